from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tereze.core import clock
from tereze.core.roles import BODY_ROLES, CENTRE_ROLES, Role


class Language(models.TextChoices):
    KK = "kk", "Қазақша"
    RU = "ru", "Русский"
    EN = "en", "English"


class User(AbstractUser):
    """Anyone who signs in: citizens by IIN, business representatives by BIN, staff by username.

    Staff belong to exactly one centre or one state body; selectors scope what they see by it.
    """

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.CITIZEN)
    iin = models.CharField(max_length=12, unique=True, null=True, blank=True)
    bin = models.CharField(max_length=12, null=True, blank=True)
    body = models.ForeignKey("registry.StateBody", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="staff")
    centre = models.ForeignKey("centres.Centre", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="staff")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.RU)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="centre_staff_have_centre",
                condition=~models.Q(role__in=sorted(CENTRE_ROLES)) | models.Q(centre__isnull=False),
            ),
            models.CheckConstraint(
                name="body_staff_have_body",
                condition=~models.Q(role__in=sorted(BODY_ROLES)) | models.Q(body__isnull=False),
            ),
        ]

    @property
    def is_centre_staff(self) -> bool:
        return self.role in CENTRE_ROLES

    @property
    def is_body_staff(self) -> bool:
        return self.role in BODY_ROLES


class Person(models.Model):
    """An individual as the state's population register knows them, with their contact preferences.

    The demo register adapter reads identity facts from here ("once only": never asked again).
    """

    iin = models.CharField(max_length=12, unique=True)
    surname = models.CharField(max_length=80)
    given_name = models.CharField(max_length=80)
    patronymic = models.CharField(max_length=80, blank=True)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1, choices=[("M", _("male")), ("F", _("female"))])
    region = models.ForeignKey("registry.Region", null=True, on_delete=models.PROTECT)
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.RU)
    notify_by = models.JSONField(default=list, help_text="channels: email, sms, voice")

    def __str__(self) -> str:
        return f"{self.surname} {self.given_name[:1]}."

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.given_name, self.patronymic) if p)

    @property
    def masked_name(self) -> str:
        return f"{self.given_name[:1]}. {self.surname[:1]}{'*' * max(len(self.surname) - 1, 0)}"


class Business(models.Model):
    """A legal entity from the business register."""

    bin = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=200)
    head_iin = models.CharField(max_length=12)
    registered_on = models.DateField()
    region = models.ForeignKey("registry.Region", null=True, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return self.name


class WorkingDayTransfer(models.Model):
    """A government-decreed change to the calendar: a Saturday made a working day, a Monday a day off."""

    class Kind(models.TextChoices):
        WORKING_DAY = "working", _("made a working day")
        DAY_OFF = "day_off", _("made a day off")

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    decree = models.CharField(max_length=200, blank=True, help_text=_("the government decree that made it"))

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class AuditEntry(models.Model):
    """Append-only, hash-chained record of an action or a view of personal data.

    Rows are written unsealed in the request's transaction; `audit_seal` chains them in order
    (chain_seq, prev_hash, hash) within seconds, so requests never queue on one chain lock.
    """

    # Written with every action, read rarely: indexed only where a page looks entries up.
    at = models.DateTimeField(default=clock.now)
    # Actor, body and centre as recorded: no database constraint, whose check would lock those rows
    # for every entry written (Django still protects them from deletion).
    actor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+", db_index=False,
                              db_constraint=False)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    subject_iin = models.CharField(max_length=12, blank=True, help_text="whose personal data the action touched")
    body = models.ForeignKey("registry.StateBody", null=True, on_delete=models.PROTECT, related_name="+",
                             db_index=False, db_constraint=False)
    centre = models.ForeignKey("centres.Centre", null=True, on_delete=models.PROTECT, related_name="+",
                               db_index=False, db_constraint=False)
    detail = models.JSONField(default=dict)
    chain_seq = models.BigIntegerField(null=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["chain_seq"], name="audit_unsealed", condition=models.Q(chain_seq=None)),
                   models.Index(fields=["subject_iin"], name="audit_subject")]


class AuditChainHead(models.Model):
    """The single row holding the last sealed entry; locking it orders sealers."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)


class ApiToken(models.Model):
    """A bearer token for staff and integrating systems. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    revoked_at = models.DateTimeField(null=True, blank=True)


class Notification(models.Model):
    """The outbox: every message to a citizen or official. E-mail is sent; SMS and voice wait here
    for a gateway (in the demo the administrator reads them in the admin)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")
        VOICE = "voice", _("voice call")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    recipient_iin = models.CharField(max_length=12, blank=True)
    recipient_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=200, blank=True, help_text="e-mail address or phone number")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.RU)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    topic = models.CharField(max_length=64, blank=True, help_text="what it is about, e.g. application.approved")
    object_ref = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient_iin"], name="notification_recipient"),
                   # the worker finds what is still to send about an application (queued_about)
                   models.Index(fields=["object_ref"], name="notification_queued",
                                condition=models.Q(status="queued"))]
