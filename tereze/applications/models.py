"""Applications, their documents, their event log and their results."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tereze.applications.states import Status
from tereze.core import clock
from tereze.registry.models import Channel


class Application(models.Model):
    """One request for a public service, whatever channel it came through.

    Current state lives here for fast reads; ApplicationEvent rows are the history.
    The reviewer (`assignee`) is drawn at random and never shown to the applicant or the operator.
    """

    # Every index costs each submission a write (ADR 8): a foreign key gets one only where a page or
    # report looks applications up by it, or a composite index below does not already start with it.
    number = models.CharField(max_length=40)
    service = models.ForeignKey("registry.Service", on_delete=models.PROTECT, related_name="applications")
    standard = models.ForeignKey("registry.Standard", on_delete=models.PROTECT, related_name="applications",
                                 db_index=False)
    tier = models.ForeignKey("registry.Tier", null=True, blank=True, on_delete=models.PROTECT, db_index=False)
    applicant_iin = models.CharField(max_length=12, help_text="IIN, or BIN for a business")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    body = models.ForeignKey("registry.StateBody", on_delete=models.PROTECT, related_name="applications",
                             db_index=False)  # body_queue
    centre = models.ForeignKey("centres.Centre", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="applications", help_text="where it was accepted / will be issued")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_index=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="assigned_applications", db_index=False)  # official_queue
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", db_index=False)  # one_application_per_key
    assisted = models.BooleanField(default=False, help_text="filled with a consultant's help")
    form_data = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=2, default="ru")
    created_at = models.DateTimeField(default=clock.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True, db_index=True,
                                help_text="fixed at acceptance; later standard changes never move it")
    decided_at = models.DateTimeField(null=True, blank=True)
    clock_stopped_since = models.DateField(null=True, blank=True,
                                           help_text="suspended or returned: the deadline does not run")
    overdue_since = models.DateField(null=True, blank=True)
    warned_on = models.DateField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["submitted_by", "idempotency_key"], name="one_application_per_key"),
            # A constraint, not unique=True, which on PostgreSQL adds a second (LIKE) index nobody uses.
            models.UniqueConstraint(fields=["number"], name="one_application_per_number"),
        ]
        indexes = [models.Index(fields=["body", "status", "due_date"], name="body_queue"),
                   models.Index(fields=["assignee", "status"], name="official_queue"),
                   models.Index(fields=["applicant_iin"], name="application_applicant")]

    def __str__(self) -> str:
        return self.number


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(max_length=32)
    source = models.CharField(max_length=10, help_text="applicant or register")
    register_name = models.CharField(max_length=40, blank=True)
    register_data = models.JSONField(default=dict, blank=True)
    file = models.CharField(max_length=200, blank=True, help_text="path under the upload root")
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]


class ApplicationEvent(models.Model):
    """An immutable row per state change (and per deadline warning, escalation, reassignment)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    # Who, where and which body, as recorded: no database constraint, whose check would lock the
    # user, body and centre rows for every event written (Django still protects them from deletion).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)
    actor_role = models.CharField(max_length=32)
    body = models.ForeignKey("registry.StateBody", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    centre = models.ForeignKey("centres.Centre", null=True, on_delete=models.PROTECT, related_name="+",
                               db_constraint=False)
    channel = models.CharField(max_length=12)
    at = models.DateTimeField(default=clock.now, db_index=True)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]


class Result(models.Model):
    """The outcome handed back: a document with a public verification code."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="result")
    verification_code = models.CharField(max_length=16, unique=True)
    approved = models.BooleanField()
    created_at = models.DateTimeField(default=clock.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    confirmation_code_hash = models.CharField(max_length=64, blank=True,
                                              help_text="one-time code the applicant gives at issue")
