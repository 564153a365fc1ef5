from django.contrib import admin

from tereze.centres.models import Appointment, Centre, Counter, Shift, Ticket, TicketEvent


class CounterInline(admin.TabularInline):
    model = Counter
    extra = 0
    fields = ("number", "kind", "services", "active")
    filter_horizontal = ("services",)


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "region", "address")
    list_filter = ("region",)
    search_fields = ("code", "name_en", "name_ru")
    inlines = [CounterInline]


class ReadOnly(admin.ModelAdmin):
    """Queue records are written by the actions only (every change has its event); the admin reads."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnly):
    list_display = ("number", "centre", "day", "kind", "service", "status", "priority", "counter", "issued_at")
    list_filter = ("status", "kind", "priority", "day")
    search_fields = ("number", "code")


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnly):
    list_display = ("ticket", "kind", "from_status", "to_status", "actor", "counter", "at")
    list_filter = ("kind",)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnly):
    list_display = ("code", "centre", "service", "slot_start", "status", "channel")
    list_filter = ("status", "channel")


@admin.register(Shift)
class ShiftAdmin(ReadOnly):
    list_display = ("counter", "operator", "started_at", "ended_at")
