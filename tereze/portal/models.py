"""What the portal keeps of its own: one-time codes, lock-outs, ratings and staff TOTP devices.

Codes are stored only as an HMAC (keyed with SECRET_KEY), so a copy of the database does not
reveal a live code. Ratings are written once by the citizen and never changed by anyone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tereze.core import clock


class OneTimeCode(models.Model):
    """A six-digit code sent by SMS to a person from the population register."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("sign in")
        CONFIRM = "confirm", _("confirm an application")
        ASSIST = "assist", _("agree to an assisted session")

    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    iin = models.CharField(max_length=12, db_index=True, help_text="the person whose phone received it")
    bin = models.CharField(max_length=12, blank=True, help_text="the business, for a representative's sign-in")
    object_ref = models.CharField(max_length=64, blank=True, help_text="what it confirms, e.g. a draft number")
    code_hash = models.CharField(max_length=64)
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Lockout(models.Model):
    """Too many wrong codes for one person: no codes are sent or accepted until `until`."""

    iin = models.CharField(max_length=12, db_index=True)
    since = models.DateTimeField(default=clock.now)
    until = models.DateTimeField()

    class Meta:
        ordering = ["-until"]


class Rating(models.Model):
    """A citizen's rating of a service received. Written once by the applicant; never editable by the
    centre or the body (there is no action that changes it, and the admin shows it read-only)."""

    application = models.OneToOneField("applications.Application", on_delete=models.PROTECT,
                                       related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # Copied at rating time so monitoring groups by them without joins (and they never move).
    service = models.ForeignKey("registry.Service", on_delete=models.PROTECT, related_name="+")
    body = models.ForeignKey("registry.StateBody", on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey("centres.Centre", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(name="rating_score_1_to_5",
                                              condition=models.Q(score__gte=1, score__lte=5))]


class TotpDevice(models.Model):
    """A staff member's authenticator app (RFC 6238, SHA-1, 6 digits, 30 s)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64, help_text="base32")
    created_at = models.DateTimeField(default=clock.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0, help_text="the last time step accepted (no replay)")
    failed_attempts = models.PositiveSmallIntegerField(default=0)
