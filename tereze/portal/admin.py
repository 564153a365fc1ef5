"""Ratings and codes are visible to auditors in the admin but never editable: a rating is the
citizen's, and a code is a secret's hash."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tereze.core.admin import ReadOnlyAdmin
from tereze.portal.models import Lockout, Rating, TotpDevice


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["application", "score", "service", "body", "centre", "channel", "created_at"]
    list_filter = ["score", "channel"]


@admin.register(Lockout)
class LockoutAdmin(ReadOnlyAdmin):
    list_display = ["iin", "since", "until"]


@admin.register(TotpDevice)
class TotpDeviceAdmin(ReadOnlyAdmin):
    """An administrator resets a lost phone by deleting the device; the secret is never shown."""

    list_display = ["user", "created_at", "confirmed_at"]
    fields = ["user", "created_at", "confirmed_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)
