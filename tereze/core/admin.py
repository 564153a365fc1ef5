from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from tereze.core.calendar import forget_transfers
from tereze.core.models import AuditEntry, Notification, Person, User, WorkingDayTransfer


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible to those allowed, never editable through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class TerezeUserAdmin(UserAdmin):
    list_display = ("username", "role", "body", "centre", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Tereze", {"fields": ("role", "iin", "bin", "body", "centre",
                                                                      "language")}))


@admin.register(WorkingDayTransfer)
class WorkingDayTransferAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "decree")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_transfers()


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("chain_seq", "at", "actor", "actor_role", "action", "object_type", "object_id")
    list_filter = ("action", "actor_role")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox: in the demo, SMS codes and messages are read here."""

    list_display = ("created_at", "channel", "address", "subject", "status", "topic")
    list_filter = ("channel", "status", "topic")
    search_fields = ("subject", "object_ref")


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("iin", "surname", "given_name", "region")
    search_fields = ("iin",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("region")
