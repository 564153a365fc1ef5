"""Every write to the queue, counters and bookings. One function per use case, one transaction each;
every ticket state change appends its TicketEvent in that transaction and writes an audit entry.

Staff act only on their own centre: anything else is NotFound (as the selectors answer).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tereze.centres import hours
from tereze.centres.models import (
    Appointment,
    AppointmentEvent,
    Centre,
    Counter,
    NearFrontNotice,
    Shift,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from tereze.centres.states import (
    AT_COUNTER,
    AppointmentStatus,
    Priority,
    TicketKind,
    TicketStatus,
    ensure_appointment_transition,
    ensure_transition,
    rank_for,
)
from tereze.core import clock
from tereze.core.audit import audit_record
from tereze.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tereze.core.identity import IdentityNumberError, validate_identity_number
from tereze.core.models import User
from tereze.core.notify import notify_citizen
from tereze.core.roles import CENTRE_ROLES, NATIONWIDE_ROLES, Role
from tereze.registry.models import Service

REASON_MIN_LENGTH = 10
NEAR_FRONT = 3  # an SMS when this many places or fewer are ahead
BOOKINGS_PER_DAY = 2  # active bookings one IIN may hold for one day, across services
NO_SHOW_LIMIT = 3  # missed bookings in NO_SHOW_WINDOW that suspend booking from the portal
NO_SHOW_WINDOW = dt.timedelta(days=30)
CHECK_IN_EARLY = dt.timedelta(minutes=60)
CHECK_IN_LATE = dt.timedelta(minutes=15)  # later than this the booking lapses; the kiosk gives a walk-in ticket

# Letters on tickets: the service's life situation decides its letter, so a hall reads them the same
# way in every centre. Consultations and result collection have their own.
CATEGORY_LETTERS = {
    "identity": "A", "documents": "A", "birth": "B", "family": "B", "social": "C", "pension": "C",
    "property": "D", "housing": "D", "land": "D", "transport": "E", "business": "F", "tax": "F",
    "education": "G", "health": "H", "justice": "J", "employment": "L", "military": "M",
}
CONSULTATION_LETTER = "K"
RESULT_LETTER = "R"
MANAGER_ROLES = frozenset({Role.CENTRE_MANAGER, Role.CENTRE_SUPERVISOR})


def letter_for(kind: str, service: Service | None) -> str:
    if kind == TicketKind.CONSULTATION:
        return CONSULTATION_LETTER
    if kind == TicketKind.RESULT:
        return RESULT_LETTER
    assert service is not None
    return CATEGORY_LETTERS.get(service.category, "A")


def _actor_or_none(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk and actor.is_authenticated else None


def _ensure_staff_of(actor: User, centre_id: int, *, roles: frozenset[str] = CENTRE_ROLES) -> None:
    """Centre staff act on their own centre only; to anyone else its queue does not exist, except to
    analysts and auditors, who see every centre (selectors.visible_centres) and are refused by role."""
    if actor.role == Role.ADMINISTRATOR:
        return
    if actor.is_authenticated and actor.role in NATIONWIDE_ROLES:
        raise Forbidden("your role cannot change the queue")
    if not actor.is_authenticated or actor.centre_id != centre_id:
        raise NotFound("no such centre, counter or ticket in your centre")
    if actor.role not in roles:
        raise Forbidden("your role cannot do this")


def _append(ticket: Ticket, *, kind: str, to_status: str, actor: User | None, counter: Counter | None = None,
            payload: dict[str, Any] | None = None, fields: tuple[str, ...] = ()) -> TicketEvent:
    """Save the ticket's changed fields and append its event (one row per change)."""
    from_status = ticket.status
    ticket.status = to_status
    ticket.save(update_fields=["status", *fields])
    staff = _actor_or_none(actor)
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, from_status=from_status, to_status=to_status, actor=staff,
        actor_role=staff.role if staff else "kiosk", centre_id=ticket.centre_id,
        counter=counter if counter is not None else ticket.counter, at=clock.now(), payload=payload or {})


def _move(ticket: Ticket, *, kind: str, to_status: str, actor: User | None, **kwargs: Any) -> TicketEvent:
    ensure_transition(ticket.status, to_status)
    return _append(ticket, kind=kind, to_status=to_status, actor=actor, **kwargs)


def _audit(actor: User | None, action: str, ticket: Ticket, **detail: Any) -> None:
    audit_record(actor=actor, action=action, object_type="ticket", object_id=ticket.pk, subject_iin=ticket.iin,
                 detail={"number": ticket.number, "centre": ticket.centre_id, **detail})


def _locked_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _locked_counter(counter: Counter) -> Counter:
    return Counter.objects.select_for_update().get(pk=counter.pk)


# ---------------------------------------------------------------- counters and shifts

@transaction.atomic
def counter_create(*, centre: Centre, number: int, kind: str = Counter.Kind.WINDOW,
                   services: list[Service] | None = None, actor: User | None = None) -> Counter:
    """Add a counter (window, consultant desk or issuing desk) and the services it serves."""
    if actor is not None:
        _ensure_staff_of(actor, centre.pk, roles=MANAGER_ROLES)
    counter = Counter.objects.create(centre=centre, number=number, kind=kind)
    if services:
        counter.services.set(services)
    audit_record(actor=actor, action="counter.created", object_type="counter", object_id=counter.pk,
                 detail={"centre": centre.pk, "number": number, "kind": kind,
                         "services": [s.code for s in services or []]})
    return counter


@transaction.atomic
def counter_sign_in(*, counter: Counter, operator: User) -> Counter:
    """The operator takes the counter: ends their open shift elsewhere and opens one here.

    Refused while another operator sits at it with a ticket still called or being served."""
    _ensure_staff_of(operator, counter.centre_id)
    counter = _locked_counter(counter)
    if counter.operator_id == operator.pk:
        return counter
    if counter.operator_id and Ticket.objects.filter(counter=counter, status__in=AT_COUNTER).exists():
        raise Conflict(str(_("another operator is serving a ticket at this counter")))
    if Ticket.objects.filter(operator=operator, status__in=AT_COUNTER).exclude(counter=counter).exists():
        raise Conflict(str(_("finish or transfer your current ticket before changing counters")))
    now = clock.now()
    Shift.objects.filter(operator=operator, ended_at=None).update(ended_at=now)
    Shift.objects.filter(counter=counter, ended_at=None).update(ended_at=now)
    Counter.objects.filter(operator=operator).exclude(pk=counter.pk).update(operator=None)
    Shift.objects.create(counter=counter, operator=operator, started_at=now)
    counter.operator = operator
    counter.save(update_fields=["operator"])
    audit_record(actor=operator, action="counter.sign_in", object_type="counter", object_id=counter.pk)
    return counter


@transaction.atomic
def counter_sign_out(*, counter: Counter, operator: User) -> Counter:
    _ensure_staff_of(operator, counter.centre_id)
    counter = _locked_counter(counter)
    if counter.operator_id != operator.pk:
        raise Conflict(str(_("you are not signed in at this counter")))
    if Ticket.objects.filter(counter=counter, status__in=AT_COUNTER).exists():
        raise Conflict(str(_("finish or transfer the current ticket first")))
    Shift.objects.filter(counter=counter, operator=operator, ended_at=None).update(ended_at=clock.now())
    counter.operator = None
    counter.save(update_fields=["operator"])
    audit_record(actor=operator, action="counter.sign_out", object_type="counter", object_id=counter.pk)
    return counter


# ---------------------------------------------------------------- issuing tickets

def _check_identity(kind: str, iin: str) -> str:
    iin = (iin or "").strip()
    if not iin:
        if kind in (TicketKind.APPLICATION, TicketKind.RESULT):
            raise ValidationFailed(str(_("an IIN is needed to apply for a service or collect a result")),
                                   {"iin": "required"})
        return ""
    try:
        return validate_identity_number(iin)
    except IdentityNumberError as error:
        raise ValidationFailed(f"iin: {error}", {"iin": str(error)}) from None


def _check_served(centre: Centre, kind: str, service: Service | None) -> None:
    counters = Counter.objects.filter(centre=centre, active=True)
    if kind == TicketKind.APPLICATION:
        if service is None:
            raise ValidationFailed(str(_("choose the service")), {"service": "required"})
        counters = counters.filter(kind=Counter.Kind.WINDOW, services=service)
    else:
        counters = counters.filter(kind=Counter.Kind.CONSULTANT if kind == TicketKind.CONSULTATION
                                   else Counter.Kind.ISSUING)
    if not counters.exists():
        raise ValidationFailed(str(_("this centre does not serve that here")), {"service": "not served"})


def _next_number(centre: Centre, day: dt.date, letter: str) -> int:
    TicketSequence.objects.get_or_create(centre=centre, day=day, letter=letter)
    sequence = TicketSequence.objects.select_for_update().get(centre=centre, day=day, letter=letter)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def _new_ticket(*, centre: Centre, kind: str, service: Service | None, iin: str, priority: str,
                appointment: Appointment | None, actor: User | None, channel: str,
                idempotency_key: str | None = None) -> Ticket:
    now = clock.now()
    if not hours.is_open_at(centre, now):
        raise ValidationFailed(str(_("the centre is closed now")), {"centre": "closed"})
    if priority not in Priority.values:
        raise ValidationFailed(f"unknown priority group '{priority}'", {"priority": "unknown"})
    if kind not in TicketKind.values:
        raise ValidationFailed(f"unknown kind of visit '{kind}'", {"kind": "unknown"})
    if kind != TicketKind.APPLICATION:
        service = None if kind == TicketKind.CONSULTATION and service is None else service
    _check_served(centre, kind, service)
    day = timezone.localdate(now)
    letter = letter_for(kind, service)
    due_at = appointment.slot_start if appointment else now
    ticket = Ticket(
        centre=centre, kind=kind, service=service, day=day, letter=letter, iin=iin, priority=priority,
        appointment=appointment, status=TicketStatus.WAITING, issued_at=now, due_at=due_at,
        rank_at=rank_for(arrived_at=now, priority=priority, appointment_at=appointment.slot_start if appointment
                         else None),
        code=secrets.token_hex(6).upper(), idempotency_key=idempotency_key or None,
    )
    ticket.seq = _next_number(centre, day, letter)
    ticket.number = f"{letter}-{ticket.seq:03d}"
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        replay = _replayed(centre, idempotency_key)
        if replay is not None:
            return replay
        raise Conflict(str(_("this IIN already holds a ticket for this service here; it cannot take another")),
                       iin="active ticket exists") from None
    TicketEvent.objects.create(
        ticket=ticket, kind="issued", from_status="", to_status=TicketStatus.WAITING, actor=_actor_or_none(actor),
        actor_role=actor.role if _actor_or_none(actor) else "kiosk",  # type: ignore[union-attr]
        centre=centre, at=now, payload={"channel": channel, "priority": priority,
                                        "appointment": appointment.code if appointment else None})
    _audit(actor, "ticket.issued", ticket, channel=channel)
    return ticket


def _replayed(centre: Centre, idempotency_key: str | None) -> Ticket | None:
    if not idempotency_key:
        return None
    return Ticket.objects.filter(centre=centre, idempotency_key=idempotency_key).first()


@transaction.atomic
def ticket_issue(*, centre: Centre, kind: str = TicketKind.APPLICATION, service: Service | None = None,
                 iin: str = "", priority: str = Priority.NONE, actor: User | None = None,
                 channel: str = "kiosk", idempotency_key: str | None = None) -> Ticket:
    """Take a ticket at the kiosk (or through the API): bound to the IIN, one active per IIN, service
    and centre. Records ISSUED. Priority is declared here and its proof checked by the operator.
    The same idempotency key at the same centre returns the first ticket, never a second one."""
    replay = _replayed(centre, idempotency_key)
    if replay is not None:
        return replay
    iin = _check_identity(kind, iin)
    return _new_ticket(centre=centre, kind=kind, service=service, iin=iin, priority=priority, appointment=None,
                       actor=actor, channel=channel, idempotency_key=idempotency_key)


# ---------------------------------------------------------------- appointments

def _append_appointment(appointment: Appointment, *, kind: str, to_status: str, actor: User | None,
                        payload: dict[str, Any] | None = None) -> None:
    from_status = appointment.status
    if from_status != to_status:
        ensure_appointment_transition(from_status, to_status)
    appointment.status = to_status
    appointment.save(update_fields=["status"])
    staff = _actor_or_none(actor)
    AppointmentEvent.objects.create(appointment=appointment, kind=kind, from_status=from_status,
                                    to_status=to_status, actor=staff, actor_role=staff.role if staff else "kiosk",
                                    at=clock.now(), payload=payload or {})
    audit_record(actor=actor, action=f"appointment.{kind}", object_type="appointment", object_id=appointment.pk,
                 subject_iin=appointment.iin, detail={"code": appointment.code, **(payload or {})})


def _check_booker(actor: User | None, iin: str, centre: Centre) -> None:
    if actor is None:
        raise Forbidden("sign in to book a visit")
    if actor.role in (Role.CITIZEN, Role.BUSINESS):
        if iin not in (actor.iin, actor.bin):
            raise Forbidden("you can book only for yourself (or the business you represent)")
    elif actor.role in CENTRE_ROLES:
        _ensure_staff_of(actor, centre.pk)
    elif actor.role != Role.ADMINISTRATOR:
        raise Forbidden("your role cannot book visits")


@transaction.atomic
def appointment_book(*, centre: Centre, service: Service, iin: str, slot_start: dt.datetime,
                     actor: User | None, channel: str = "portal") -> Appointment:
    """Book a slot from `centre_slots`. Limits: one active booking per IIN and service, at most
    BOOKINGS_PER_DAY a day, none for NO_SHOW_WINDOW after NO_SHOW_LIMIT missed bookings.
    Records BOOKED; texts the confirmation code after commit."""
    from tereze.centres.selectors import centre_slots

    iin = _check_identity(TicketKind.APPLICATION, iin)
    _check_booker(actor, iin, centre)
    try:  # a time without its UTC offset, or one that has no local date (year 1 or 9999 at the edge)
        local = timezone.localtime(slot_start)
    except (ValueError, OverflowError):
        raise ValidationFailed(str(_("there is no such slot: choose one of the offered times")),
                               {"slot_start": "give one of the offered times, with its UTC offset"}) from None
    slots = {s.start: s for s in centre_slots(centre=centre, service=service, day=local.date())}
    slot = slots.get(slot_start)
    if slot is None:
        raise ValidationFailed(str(_("there is no such slot: choose one of the offered times")),
                               {"slot_start": "not offered"})
    if slot.free <= 0:
        raise Conflict(str(_("this slot was just taken: choose another time")), slot_start="full")
    same_day = Appointment.objects.filter(iin=iin, status=AppointmentStatus.BOOKED,
                                          slot_start__date=local.date())
    if same_day.count() >= BOOKINGS_PER_DAY:
        raise Conflict(str(_("you already hold the most bookings allowed for that day")), iin="daily limit")
    missed = Appointment.objects.filter(iin=iin, status=AppointmentStatus.NO_SHOW,
                                        slot_start__gte=clock.now() - NO_SHOW_WINDOW).count()
    if missed >= NO_SHOW_LIMIT and (actor is None or actor.role in (Role.CITIZEN, Role.BUSINESS)):
        raise Conflict(str(_("bookings are paused after several missed visits; take a ticket at the centre")),
                       iin="no-show limit")
    appointment = Appointment(centre=centre, service=service, iin=iin, slot_start=slot_start,
                              slot_minutes=slot.minutes, status=AppointmentStatus.BOOKED, channel=channel,
                              code=secrets.token_hex(4).upper(), created_at=clock.now(), booked_by=actor)
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        raise Conflict(str(_("this IIN already has an active booking for this service")),
                       iin="active booking exists") from None
    AppointmentEvent.objects.create(appointment=appointment, kind="booked", from_status="",
                                    to_status=AppointmentStatus.BOOKED, actor=_actor_or_none(actor),
                                    actor_role=actor.role if actor else "system", at=clock.now(),
                                    payload={"channel": channel})
    audit_record(actor=actor, action="appointment.booked", object_type="appointment", object_id=appointment.pk,
                 subject_iin=iin, detail={"code": appointment.code, "slot": slot_start.isoformat()})
    notify_citizen(iin=iin, topic="queue.booked", object_ref=appointment.code,
                   subject=_("Your visit is booked: %(code)s"),
                   body=_("%(centre)s, %(when)s. Show code %(code)s at the kiosk."),
                   params={"code": appointment.code, "centre": centre.name_ru,
                           "when": local.strftime("%d.%m.%Y %H:%M")})
    return appointment


def _locked_appointment(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _check_appointment_owner(appointment: Appointment, actor: User | None) -> None:
    if actor is None:
        raise Forbidden("sign in to change a booking")
    if actor.role in (Role.CITIZEN, Role.BUSINESS):
        if appointment.iin not in (actor.iin, actor.bin):
            raise NotFound("no such booking of yours")
    elif actor.role != Role.ADMINISTRATOR:
        _ensure_staff_of(actor, appointment.centre_id)


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, actor: User | None) -> Appointment:
    """Cancel a booking (the slot is freed). Records CANCELLED."""
    _check_appointment_owner(appointment, actor)
    appointment = _locked_appointment(appointment)
    _append_appointment(appointment, kind="cancelled", to_status=AppointmentStatus.CANCELLED, actor=actor)
    return appointment


@transaction.atomic
def appointment_reschedule(*, appointment: Appointment, slot_start: dt.datetime, actor: User | None) -> Appointment:
    """Move a booking to another slot: the old one is RESCHEDULED, a new one BOOKED."""
    _check_appointment_owner(appointment, actor)
    appointment = _locked_appointment(appointment)
    _append_appointment(appointment, kind="rescheduled", to_status=AppointmentStatus.RESCHEDULED, actor=actor,
                        payload={"to": slot_start.isoformat()})
    return appointment_book(centre=appointment.centre, service=appointment.service, iin=appointment.iin,
                            slot_start=slot_start, actor=actor, channel=appointment.channel)


def appointment_check_in(*, centre: Centre, code: str, iin: str, actor: User | None = None) -> Ticket:
    """At the kiosk: the booking (code and IIN must match) becomes a ticket that may be called from
    its slot's start, ahead of walk-ins. Too early is refused; too late lapses the booking (records
    LAPSED, committed) and the visitor takes a walk-in ticket instead."""
    ticket = _check_in(centre=centre, code=code, iin=iin, actor=actor)
    if ticket is None:
        raise Conflict(str(_("the booking lapsed (more than 15 minutes late); please take a ticket")),
                       slot_start="lapsed")
    return ticket


@transaction.atomic
def _check_in(*, centre: Centre, code: str, iin: str, actor: User | None) -> Ticket | None:
    appointment = Appointment.objects.select_for_update().filter(
        centre=centre, code=(code or "").strip().upper(), iin=(iin or "").strip()).first()
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        raise NotFound(str(_("no active booking with this code and IIN at this centre")))
    now = clock.now()
    if now < appointment.slot_start - CHECK_IN_EARLY:
        raise Conflict(str(_("too early: check in from one hour before your time")), slot_start="too early")
    if now > appointment.slot_start + CHECK_IN_LATE:
        _append_appointment(appointment, kind="lapsed", to_status=AppointmentStatus.NO_SHOW, actor=actor)
        return None
    _append_appointment(appointment, kind="checked_in", to_status=AppointmentStatus.CHECKED_IN, actor=actor)
    return _new_ticket(centre=centre, kind=TicketKind.APPLICATION, service=appointment.service, iin=appointment.iin,
                       priority=Priority.NONE, appointment=appointment, actor=actor, channel="appointment")


# ---------------------------------------------------------------- at the counter

def _counter_ready(counter: Counter, operator: User) -> Counter:
    """Lock the counter (one round trip, which also tells whether a ticket is still at it)."""
    _ensure_staff_of(operator, counter.centre_id)
    busy = Exists(Ticket.objects.filter(counter=OuterRef("pk"), status__in=AT_COUNTER))
    locked = Counter.objects.select_for_update().annotate(busy=busy).get(pk=counter.pk)
    if locked.operator_id != operator.pk:
        raise Conflict(str(_("sign in at this counter first")), counter=locked.number)
    if not locked.active:
        raise Conflict(str(_("this counter is closed")), counter=locked.number)
    if locked.busy:  # type: ignore[attr-defined]
        raise Conflict(str(_("finish, transfer or mark no-show for the current ticket first")),
                       counter=locked.number)
    return locked


def eligible_for(counter: Counter, *, now: dt.datetime) -> Any:
    """Waiting tickets this counter may call now, in the order of the written rule (states.py)."""
    tickets = Ticket.objects.filter(centre_id=counter.centre_id, status=TicketStatus.WAITING, due_at__lte=now)
    if counter.kind == Counter.Kind.WINDOW:
        served = Counter.services.through.objects.filter(counter_id=counter.pk).values("service_id")
        mine = Q(kind=TicketKind.APPLICATION, service_id__in=served)
    else:
        mine = Q(kind=TicketKind.CONSULTATION if counter.kind == Counter.Kind.CONSULTANT else TicketKind.RESULT)
    return tickets.filter((mine & Q(target_counter=None)) | Q(target_counter=counter)).order_by("rank_at", "id")


@transaction.atomic
def ticket_call_next(*, counter: Counter, operator: User) -> Ticket | None:
    """Call the next ticket by the written rule (states.py). The operator cannot choose.

    Competing counters skip each other's locked rows (SELECT ... FOR UPDATE SKIP LOCKED), so two
    operators pressing at once never get the same ticket. Records CALLED; after commit the board
    shows it and visitors now near the front get an SMS. None when nobody is waiting."""
    counter = _counter_ready(counter, operator)
    now = clock.now()
    ticket = eligible_for(counter, now=now).select_for_update(skip_locked=True, no_key=True).first()
    if ticket is None:
        return None
    _call(ticket, counter=counter, actor=operator, now=now, kind="called")
    return ticket


def _call(ticket: Ticket, *, counter: Counter, actor: User, now: dt.datetime, kind: str,
          payload: dict[str, Any] | None = None) -> None:
    ticket.counter, ticket.operator_id, ticket.called_at = counter, counter.operator_id, now
    fields = ["counter", "operator", "called_at"]
    if kind == "called_out_of_turn":
        ticket.out_of_turn = True
        fields.append("out_of_turn")
    _move(ticket, kind=kind, to_status=TicketStatus.CALLED, actor=actor, counter=counter,
          payload={"waited_seconds": int((now - ticket.issued_at).total_seconds()), **(payload or {})},
          fields=tuple(fields))
    _audit(actor, f"ticket.{kind}", ticket, counter=counter.number, **(payload or {}))
    transaction.on_commit(lambda: _enqueue_near_front(counter.pk))


def _enqueue_near_front(counter_id: int) -> None:
    from tereze.centres.tasks import near_front_sms  # the task module imports this one

    near_front_sms(counter_id)


def notify_near_front(*, counter: Counter) -> int:
    """Text the holders of the next NEAR_FRONT tickets for this counter, once per ticket (after the
    call commits, so the board and the queue are already updated).

    Reads without locking and records each notice in its own table, each in its own short
    transaction: it never locks a waiting ticket (a concurrent call-next would skip it) and never
    holds a unique-index slot while other counters wait on it."""
    now = clock.now()
    near = [(pk, iin, number) for pk, iin, number in
            eligible_for(counter, now=now).values_list("pk", "iin", "number")[:NEAR_FRONT] if iin]
    if not near:
        return 0
    already = set(NearFrontNotice.objects.filter(ticket_id__in=[pk for pk, _, _ in near])
                  .values_list("ticket_id", flat=True))
    sent = 0
    for pk, iin, number in near:
        if pk in already:
            continue
        try:
            with transaction.atomic():
                NearFrontNotice.objects.create(ticket_id=pk, at=now)
                notify_citizen(iin=iin, topic="queue.near_front", object_ref=number,
                               subject=_("Ticket %(number)s: your turn is near"),
                               body=_("Ticket %(number)s: %(ahead)s or fewer people are ahead of you. "
                                      "Please come to the hall."),
                               params={"number": number, "ahead": NEAR_FRONT}, channels=["sms"])
        except IntegrityError:
            continue  # another counter's call texted them a moment ago
        sent += 1
    return sent


@transaction.atomic
def ticket_call_out_of_turn(*, ticket: Ticket, counter: Counter, manager: User, reason: str) -> Ticket:
    """A manager serves someone out of turn: only with a written reason, recorded as an override
    (CALLED_OUT_OF_TURN, with the tickets it jumped) and shown in the overrides report."""
    _ensure_staff_of(manager, ticket.centre_id, roles=MANAGER_ROLES)
    if counter.centre_id != ticket.centre_id:
        raise NotFound("no such counter in your centre")
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationFailed(str(_("an override needs a reason a reviewer can understand")),
                               {"reason": f"at least {REASON_MIN_LENGTH} characters"})
    counter = _locked_counter(counter)
    if counter.operator_id is None:
        raise Conflict(str(_("nobody is at that counter")), counter=counter.number)
    if Ticket.objects.filter(counter=counter, status__in=AT_COUNTER).exists():
        raise Conflict(str(_("that counter is busy")), counter=counter.number)
    ticket = _locked_ticket(ticket)
    now = clock.now()
    ahead = Q(rank_at__lt=ticket.rank_at) | Q(rank_at=ticket.rank_at, id__lt=ticket.pk)
    jumped = list(eligible_for(counter, now=now).filter(ahead).values_list("number", flat=True))
    _call(ticket, counter=counter, actor=manager, now=now, kind="called_out_of_turn",
          payload={"reason": reason, "jumped": jumped[:50], "jumped_count": len(jumped)})
    return ticket


def _own_ticket(ticket: Ticket, operator: User) -> Ticket:
    _ensure_staff_of(operator, ticket.centre_id)
    ticket = _locked_ticket(ticket)
    if ticket.status in AT_COUNTER and ticket.operator_id not in (None, operator.pk) \
            and operator.role not in MANAGER_ROLES:
        raise Conflict(str(_("this ticket is at another operator's counter")))
    return ticket


@transaction.atomic
def ticket_recall(*, ticket: Ticket, operator: User) -> Ticket:
    """Call the same ticket again on the board. Records RECALLED (no change of state)."""
    ticket = _own_ticket(ticket, operator)
    if ticket.status != TicketStatus.CALLED:
        raise Conflict(str(_("only a called ticket can be recalled")), current=ticket.status)
    ticket.recalls += 1
    ticket.called_at = clock.now()
    _append(ticket, kind="recalled", to_status=ticket.status, actor=operator,
            payload={"recalls": ticket.recalls}, fields=("recalls", "called_at"))
    _audit(operator, "ticket.recalled", ticket)
    return ticket


@transaction.atomic
def ticket_start(*, ticket: Ticket, operator: User, priority_proof_checked: bool | None = None) -> Ticket:
    """The visitor came to the counter: service starts. Records STARTED (with whether the proof of a
    declared priority group was seen)."""
    ticket = _own_ticket(ticket, operator)
    ticket.started_at = clock.now()
    payload: dict[str, Any] = {}
    if ticket.priority != Priority.NONE:
        payload["priority_proof_checked"] = bool(priority_proof_checked)
    _move(ticket, kind="started", to_status=TicketStatus.SERVING, actor=operator, payload=payload,
          fields=("started_at",))
    _audit(operator, "ticket.started", ticket)
    return ticket


@transaction.atomic
def ticket_finish(*, ticket: Ticket, operator: User) -> Ticket:
    """Service done. Records FINISHED with the service time."""
    ticket = _own_ticket(ticket, operator)
    now = clock.now()
    ticket.finished_at = now
    seconds = int((now - ticket.started_at).total_seconds()) if ticket.started_at else None
    _move(ticket, kind="finished", to_status=TicketStatus.DONE, actor=operator,
          payload={"service_seconds": seconds}, fields=("finished_at",))
    _audit(operator, "ticket.finished", ticket)
    return ticket


@transaction.atomic
def ticket_no_show(*, ticket: Ticket, operator: User) -> Ticket:
    """Called and did not come. Records NO_SHOW (counted per operator: called-but-not-served is watched)."""
    ticket = _own_ticket(ticket, operator)
    ticket.finished_at = clock.now()
    _move(ticket, kind="no_show", to_status=TicketStatus.NO_SHOW, actor=operator,
          payload={"recalls": ticket.recalls}, fields=("finished_at",))
    _audit(operator, "ticket.no_show", ticket)
    return ticket


@transaction.atomic
def ticket_transfer(*, ticket: Ticket, operator: User, service: Service | None = None,
                    counter: Counter | None = None, reason: str = "") -> Ticket:
    """Send the visitor to another service's queue or to a named counter. The ticket keeps its rank
    (nobody goes to the back) and number. Records TRANSFERRED with from/to."""
    if service is None and counter is None:
        raise ValidationFailed(str(_("choose a service or a counter to transfer to")), {"service": "required"})
    ticket = _own_ticket(ticket, operator)
    if counter is not None and counter.centre_id != ticket.centre_id:
        raise NotFound("no such counter in your centre")
    payload: dict[str, Any] = {"reason": reason, "from_counter": ticket.counter.number if ticket.counter else None,
                               "from_service": ticket.service.code if ticket.service else None}
    fields = ["counter", "operator", "target_counter", "service", "kind"]
    if service is not None:
        if not Counter.objects.filter(centre_id=ticket.centre_id, active=True, kind=Counter.Kind.WINDOW,
                                      services=service).exists():
            raise ValidationFailed(str(_("this centre does not serve that here")), {"service": "not served"})
        if ticket.kind == TicketKind.APPLICATION and not ticket.iin:
            raise ValidationFailed(str(_("an IIN is needed to apply for a service or collect a result")),
                                   {"iin": "required"})
        ticket.service, ticket.kind = service, TicketKind.APPLICATION
        payload["to_service"] = service.code
    ticket.target_counter = counter
    payload["to_counter"] = counter.number if counter else None
    ticket.counter, ticket.operator = None, None
    _move(ticket, kind="transferred", to_status=TicketStatus.WAITING, actor=operator, payload=payload,
          fields=tuple(fields))
    _audit(operator, "ticket.transferred", ticket, **{k: v for k, v in payload.items() if k != "reason"})
    return ticket


@transaction.atomic
def ticket_cancel(*, ticket: Ticket, actor: User | None, reason: str = "") -> Ticket:
    """The visitor leaves (or the day ends). Records CANCELLED."""
    if actor is not None and actor.role in CENTRE_ROLES:
        _ensure_staff_of(actor, ticket.centre_id)
    ticket = _locked_ticket(ticket)
    ticket.finished_at = clock.now()
    _move(ticket, kind="cancelled", to_status=TicketStatus.CANCELLED, actor=actor, payload={"reason": reason},
          fields=("finished_at",))
    _audit(actor, "ticket.cancelled", ticket, reason=reason)
    return ticket


@transaction.atomic
def queue_close_day(*, centre: Centre, day: dt.date | None = None) -> dict[str, int]:
    """After closing: tickets still waiting are cancelled and bookings never checked in lapse.
    Safe to run twice (only what is still open changes)."""
    day = day or clock.today()
    cancelled = 0
    for ticket in Ticket.objects.filter(centre=centre, day__lte=day, status=TicketStatus.WAITING):
        ticket_cancel(ticket=ticket, actor=None, reason="centre closed")
        cancelled += 1
    lapsed = 0
    cutoff = clock.now() - CHECK_IN_LATE
    for appointment in Appointment.objects.select_for_update().filter(
            centre=centre, status=AppointmentStatus.BOOKED, slot_start__lt=cutoff):
        _append_appointment(appointment, kind="lapsed", to_status=AppointmentStatus.NO_SHOW, actor=None)
        lapsed += 1
    return {"cancelled": cancelled, "lapsed": lapsed}
