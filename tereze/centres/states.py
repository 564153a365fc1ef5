"""Ticket and appointment statuses, the allowed transitions, and the written rule of the queue order.

THE ORDER (call-next follows it strictly; nobody can pick a ticket):

1. Appointments due now. A booked visit that was checked in at the kiosk may be called from its
   slot's start; due appointments go before everyone else, earliest slot first. Slots are limited
   by the centre's capacity (half of it is kept for walk-ins), so they cannot starve the queue.
2. Priority groups with ageing. Elderly, disabled and pregnant visitors and veterans (proof checked
   by the operator when called) are ranked as if they had arrived PRIORITY_HEAD_START earlier than
   they did. A visitor without priority who has waited longer than that is called before a priority
   visitor who arrives after them: nobody waits forever behind a stream of priorities.
3. First come, first served: within a class, earlier arrival goes first; ties by ticket id.

The rule is one number per ticket, `rank_at` (arrival minus the class's head start), fixed when
the ticket joins the queue; call-next takes the lowest `rank_at` among the tickets the counter may
serve that are due. A transfer keeps the rank, so nobody is sent to the back of a queue.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from tereze.core.errors import TransitionNotAllowed

PRIORITY_HEAD_START = dt.timedelta(minutes=20)
APPOINTMENT_HEAD_START = dt.timedelta(hours=24)  # in effect: before any walk-in of the day


class TicketKind(models.TextChoices):
    APPLICATION = "application", _("apply for a service")
    CONSULTATION = "consultation", _("information and consultation")
    RESULT = "result", _("collect a result")


class Priority(models.TextChoices):
    NONE = "none", _("no priority")
    ELDERLY = "elderly", _("elderly")
    DISABLED = "disabled", _("person with disability")
    PREGNANT = "pregnant", _("pregnant")
    VETERAN = "veteran", _("veteran")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    CALLED = "called", _("called")
    SERVING = "serving", _("being served")
    DONE = "done", _("served")
    NO_SHOW = "no_show", _("did not come")
    CANCELLED = "cancelled", _("cancelled")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("booked")
    CHECKED_IN = "checked_in", _("checked in")
    CANCELLED = "cancelled", _("cancelled")
    RESCHEDULED = "rescheduled", _("rescheduled")
    NO_SHOW = "no_show", _("did not come")


TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.WAITING: frozenset({TicketStatus.CALLED, TicketStatus.CANCELLED}),
    # CALLED -> WAITING and SERVING -> WAITING are transfers (to another service or counter).
    TicketStatus.CALLED: frozenset({TicketStatus.SERVING, TicketStatus.NO_SHOW, TicketStatus.WAITING}),
    TicketStatus.SERVING: frozenset({TicketStatus.DONE, TicketStatus.WAITING}),
    TicketStatus.DONE: frozenset(),
    TicketStatus.NO_SHOW: frozenset(),
    TicketStatus.CANCELLED: frozenset(),
}
ACTIVE = frozenset({TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING})
AT_COUNTER = frozenset({TicketStatus.CALLED, TicketStatus.SERVING})

APPOINTMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AppointmentStatus.BOOKED: frozenset({AppointmentStatus.CHECKED_IN, AppointmentStatus.CANCELLED,
                                         AppointmentStatus.RESCHEDULED, AppointmentStatus.NO_SHOW}),
    AppointmentStatus.CHECKED_IN: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.RESCHEDULED: frozenset(),
    AppointmentStatus.NO_SHOW: frozenset(),
}


def allowed_next(current: str) -> list[str]:
    return sorted(TRANSITIONS[current])


def ensure_transition(current: str, requested: str) -> None:
    if requested not in TRANSITIONS[current]:
        raise TransitionNotAllowed(current=current, requested=requested, allowed=allowed_next(current))


def ensure_appointment_transition(current: str, requested: str) -> None:
    if requested not in APPOINTMENT_TRANSITIONS[current]:
        raise TransitionNotAllowed(current=current, requested=requested,
                                   allowed=sorted(APPOINTMENT_TRANSITIONS[current]))


def rank_for(*, arrived_at: dt.datetime, priority: str, appointment_at: dt.datetime | None = None) -> dt.datetime:
    """The ordering key of the written rule above (lower is called first)."""
    if appointment_at is not None:
        return appointment_at - APPOINTMENT_HEAD_START
    if priority and priority != Priority.NONE:
        return arrived_at - PRIORITY_HEAD_START
    return arrived_at
