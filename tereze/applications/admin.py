from django.contrib import admin

from tereze.applications.models import Application, ApplicationEvent
from tereze.core.admin import ReadOnlyAdmin


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """Read-only: applications change only through their actions (each recording its event)."""

    list_display = ("number", "service", "status", "channel", "body", "due_date")
    list_filter = ("status", "channel")
    search_fields = ("number",)


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    list_display = ("application", "kind", "from_status", "to_status", "actor_role", "at")
    list_filter = ("kind",)
