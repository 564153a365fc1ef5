"""The register in the admin. Standards owners see and edit only their body's services (and its
committees' and departments'); a published standard is read-only: change it by a new version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from tereze.core import clock
from tereze.core.models import User
from tereze.core.roles import Role
from tereze.registry import actions
from tereze.registry.models import (
    ProcessStep,
    RefusalGround,
    Region,
    RequiredDocument,
    Service,
    Standard,
    StateBody,
    Tier,
)


def body_scope(user: User, prefix: str = "") -> Q:
    """The user's body and everything under it (ministry -> committee -> department)."""
    if user.is_superuser or user.role == Role.ADMINISTRATOR:
        return Q()
    if user.body_id is None:
        return Q(pk__in=[])
    return (Q(**{f"{prefix}body_id": user.body_id}) | Q(**{f"{prefix}body__parent_id": user.body_id})
            | Q(**{f"{prefix}body__parent__parent_id": user.body_id}))


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "kind", "population")


@admin.register(StateBody)
class StateBodyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "level", "parent", "region")
    list_filter = ("level",)
    search_fields = ("code", "name_en", "name_ru", "name_kk")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "category", "body")
    list_filter = ("category", "recipient_type")
    search_fields = ("code", "search_text")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Service]:
        return super().get_queryset(request).select_related("body").filter(body_scope(request.user))  # type: ignore[arg-type]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "body" and not (request.user.is_superuser or request.user.role == Role.ADMINISTRATOR):  # type: ignore[union-attr]
            user = request.user
            kwargs["queryset"] = StateBody.objects.filter(
                Q(pk=user.body_id) | Q(parent_id=user.body_id) | Q(parent__parent_id=user.body_id))  # type: ignore[union-attr]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChildInline(admin.TabularInline):
    extra = 0

    def _editable(self, obj: Any) -> bool:
        return obj is None or not obj.published

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class DocumentInline(ChildInline):
    model = RequiredDocument


class TierInline(ChildInline):
    model = Tier


class StepInline(ChildInline):
    model = ProcessStep


class GroundInline(ChildInline):
    model = RefusalGround


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ("service", "version", "published", "valid_from", "valid_to", "deadline_working_days")
    list_filter = ("published", "access_model")
    search_fields = ("service__code", "service__search_text")
    inlines = [DocumentInline, TierInline, StepInline, GroundInline]
    actions = ["new_version", "publish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Standard]:
        return super().get_queryset(request).select_related("service").filter(
            body_scope(request.user, "service__"))  # type: ignore[arg-type]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (obj is None or not obj.published) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (obj is None or not obj.published) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "service":
            kwargs["queryset"] = Service.objects.filter(body_scope(request.user))  # type: ignore[arg-type]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description="Start a new version (a draft copy valid from tomorrow)")
    def new_version(self, request: HttpRequest, queryset: QuerySet[Standard]) -> None:
        for standard in queryset:
            copy = actions.standard_new_version(standard=standard, actor=request.user,  # type: ignore[arg-type]
                                                valid_from=clock.today() + dt.timedelta(days=1))
            self.message_user(request, f"{copy} created as a draft", messages.SUCCESS)

    @admin.action(description="Publish (the version becomes read-only)")
    def publish(self, request: HttpRequest, queryset: QuerySet[Standard]) -> None:
        for standard in queryset.filter(published=False):
            actions.standard_publish(standard=standard, actor=request.user)  # type: ignore[arg-type]
            self.message_user(request, f"{standard} published", messages.SUCCESS)
