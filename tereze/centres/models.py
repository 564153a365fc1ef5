"""Public Service Centres (front office): centres, counters, shifts, the electronic queue and bookings.

Current state lives on Ticket and Appointment for fast reads; TicketEvent and AppointmentEvent rows
are the history (written by tereze.centres.actions only, in the same transaction as the change).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tereze.centres.states import ACTIVE, AppointmentStatus, Priority, TicketKind, TicketStatus
from tereze.core import clock
from tereze.registry.models import Region, Translated

DEFAULT_HOURS = {str(day): ["09:00", "20:00"] for day in range(6)}  # Monday-Saturday, no lunch break


class Centre(Translated, models.Model):
    code = models.CharField(max_length=32, unique=True)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="centres")
    address = models.CharField(max_length=300)
    opening_hours = models.JSONField(default=dict, help_text="weekday (0=Monday) -> [opens, closes]")
    days_closed = models.JSONField(default=list, blank=True,
                                   help_text="ISO dates the centre is closed besides public holidays")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en


class Counter(models.Model):
    """A window (serves application tickets of its services), the consultant desk or the issuing desk."""

    class Kind(models.TextChoices):
        WINDOW = "window", _("window")
        CONSULTANT = "consultant", _("consultant desk")
        ISSUING = "issuing", _("issuing desk")

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="counters")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.WINDOW)
    services = models.ManyToManyField("registry.Service", blank=True, related_name="counters")
    active = models.BooleanField(default=True)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="who sits at it now (see shifts)")

    class Meta:
        ordering = ["centre", "number"]
        constraints = [models.UniqueConstraint(fields=["centre", "number"], name="one_counter_number_per_centre")]

    def __str__(self) -> str:
        return f"{self.centre.code} #{self.number}"


class Shift(models.Model):
    """An operator's time at a counter (start and end), for staff-at-counters and load figures."""

    counter = models.ForeignKey(Counter, on_delete=models.PROTECT, related_name="shifts")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]


class TicketSequence(models.Model):
    """The last number handed out per centre, day and letter (locked while a ticket is issued)."""

    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    letter = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["centre", "day", "letter"], name="one_sequence_per_letter")]


class Appointment(models.Model):
    """A booked visit (portal or phone) for one service at one centre at one slot."""

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey("registry.Service", on_delete=models.PROTECT, related_name="+")
    iin = models.CharField(max_length=12, db_index=True)
    slot_start = models.DateTimeField(db_index=True)
    slot_minutes = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    channel = models.CharField(max_length=12, default="portal")
    code = models.CharField(max_length=12, unique=True, help_text="confirmation code for the kiosk")
    created_at = models.DateTimeField(default=clock.now)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["slot_start"]
        constraints = [
            models.UniqueConstraint(fields=["iin", "service"], condition=models.Q(status="booked"),
                                    name="one_active_booking_per_service"),
        ]

    def __str__(self) -> str:
        return self.code


class AppointmentEvent(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=32)
    at = models.DateTimeField(default=clock.now)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]


class Ticket(models.Model):
    """One visitor's place in a centre's queue, bound to their IIN (a ticket cannot be resold).

    `rank_at` is the moment the ordering rule assigns (tereze.centres.rules); call-next takes the
    lowest eligible rank. Operators never see the IIN or name before the ticket is called.
    """

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="tickets")
    kind = models.CharField(max_length=12, choices=TicketKind.choices, default=TicketKind.APPLICATION)
    service = models.ForeignKey("registry.Service", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    day = models.DateField()
    letter = models.CharField(max_length=2)
    seq = models.PositiveIntegerField()
    number = models.CharField(max_length=8, help_text="as shown on the board, e.g. A-042")
    code = models.CharField(max_length=16, unique=True, help_text="secret for the citizen's status page")
    iin = models.CharField(max_length=12, blank=True, db_index=True)
    priority = models.CharField(max_length=12, choices=Priority.choices, default=Priority.NONE)
    appointment = models.OneToOneField(Appointment, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="ticket")
    status = models.CharField(max_length=12, choices=TicketStatus.choices, default=TicketStatus.WAITING)
    issued_at = models.DateTimeField(default=clock.now)
    due_at = models.DateTimeField(help_text="may not be called before (an appointment's slot)")
    rank_at = models.DateTimeField(help_text="the ordering rule's key: lowest is called first")
    called_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counter = models.ForeignKey(Counter, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets")
    target_counter = models.ForeignKey(Counter, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                       help_text="transferred to this counter: only it may call the ticket")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    recalls = models.PositiveSmallIntegerField(default=0)
    out_of_turn = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True,
                                       help_text="a repeated request (kiosk double press, API retry) gets this ticket")

    class Meta:
        ordering = ["rank_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "day", "letter", "seq"], name="one_ticket_per_number"),
            models.UniqueConstraint(fields=["centre", "idempotency_key"], name="one_ticket_per_idempotency_key"),
            models.UniqueConstraint(fields=["centre", "service", "iin"],
                                    condition=models.Q(status__in=sorted(ACTIVE)) & ~models.Q(iin=""),
                                    name="one_active_ticket_per_iin_service"),
        ]
        indexes = [
            models.Index(fields=["centre", "rank_at"], name="waiting_queue",
                         condition=models.Q(status=TicketStatus.WAITING)),
            models.Index(fields=["centre", "day"], name="ticket_centre_day"),
        ]

    def __str__(self) -> str:
        return self.number


class TicketEvent(models.Model):
    """An immutable row per state change of a ticket (and per recall or override)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=32)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=32)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+")
    counter = models.ForeignKey(Counter, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now, db_index=True)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["centre", "kind", "at"], name="ticket_event_centre_kind")]


class NearFrontNotice(models.Model):
    """One row per ticket whose holder was texted that their turn is near (so it happens once).

    Kept apart from Ticket and without a database foreign key on purpose: writing it must never
    lock a waiting ticket's row, or a concurrent call-next (SKIP LOCKED) would pass that ticket over.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    at = models.DateTimeField(default=clock.now)
