"""Reads of centres, counters, tickets and bookings, with the access rules, and the honest figures.

Centre staff see their own centre only; analysts, auditors and administrators see every centre;
anyone else gets NotFound. The board and a ticket's status page are public and carry no personal
data (ticket numbers and counters only). Figures are computed from ticket timestamps and events.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter as Tally
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone, translation

from tereze.centres import hours
from tereze.centres.models import Appointment, Centre, Counter, Ticket, TicketEvent
from tereze.centres.states import ACTIVE, AT_COUNTER, AppointmentStatus, TicketKind, TicketStatus
from tereze.core import clock
from tereze.core.audit import audit_personal_data_view
from tereze.core.errors import NotFound
from tereze.core.models import User
from tereze.core.roles import CENTRE_ROLES, NATIONWIDE_ROLES, Role
from tereze.registry.models import Service, Standard

DEFAULT_MINUTES = {TicketKind.APPLICATION: 15, TicketKind.CONSULTATION: 10, TicketKind.RESULT: 5}
OUTLIER_FACTOR = 3  # a service time above 3x the service's median today is flagged
LONG_SERVING = dt.timedelta(minutes=45)  # "serving" for this long with nothing recorded is flagged
NO_SHOW_FLAG_RATE = 0.2


# ---------------------------------------------------------------- access

def sees_all_centres(viewer: User) -> bool:
    return viewer.is_authenticated and viewer.role in NATIONWIDE_ROLES


def visible_centres(viewer: User) -> QuerySet[Centre]:
    centres = Centre.objects.select_related("region")
    if sees_all_centres(viewer):
        return centres
    if viewer.is_authenticated and viewer.role in CENTRE_ROLES:
        return centres.filter(pk=viewer.centre_id or 0)
    return centres.none()


def centre_get(*, centre_id: int, viewer: User) -> Centre:
    centre = visible_centres(viewer).filter(pk=centre_id).first()
    if centre is None:
        raise NotFound(f"no centre {centre_id} that you may see")
    return centre


def centre_public(*, centre_id: int) -> Centre:
    """For the kiosk and the board, which stand in the centre's hall."""
    centre = Centre.objects.filter(pk=centre_id).first()
    if centre is None:
        raise NotFound(f"no centre {centre_id}")
    return centre


def counter_get(*, counter_id: int, viewer: User) -> Counter:
    counter = Counter.objects.select_related("centre", "operator").filter(
        pk=counter_id, centre__in=visible_centres(viewer)).first()
    if counter is None:
        raise NotFound(f"no counter {counter_id} in your centre")
    return counter


def ticket_get(*, ticket_id: int, viewer: User) -> Ticket:
    ticket = Ticket.objects.select_related("centre", "service", "counter").filter(
        pk=ticket_id, centre__in=visible_centres(viewer)).first()
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id} in your centre")
    return ticket


def ticket_by_number(*, centre: Centre, number: str) -> Ticket:
    """Today's ticket with this number at the centre (what a manager reads off a printed ticket)."""
    ticket = Ticket.objects.filter(centre=centre, day=clock.today(), number=(number or "").strip().upper()).first()
    if ticket is None:
        raise NotFound(f"no ticket {number} today at this centre")
    return ticket


def ticket_by_idempotency_key(*, centre: Centre, key: str) -> Ticket | None:
    return Ticket.objects.filter(centre=centre, idempotency_key=key).first()


def ticket_by_code(*, code: str) -> Ticket:
    ticket = Ticket.objects.select_related("centre", "service", "counter").filter(
        code=(code or "").strip().upper()).first()
    if ticket is None:
        raise NotFound("no such ticket")
    return ticket


def appointment_get(*, appointment_id: int, viewer: User) -> Appointment:
    """The citizen's own booking, or one of the viewer's centre."""
    appointments = Appointment.objects.select_related("centre", "service")
    if viewer.role in (Role.CITIZEN, Role.BUSINESS):
        appointments = appointments.filter(iin__in=[i for i in (viewer.iin, viewer.bin) if i])
    else:
        appointments = appointments.filter(centre__in=visible_centres(viewer))
    appointment = appointments.filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound("no such booking of yours")
    return appointment


def citizen_tickets(*, viewer: User) -> list[Ticket]:
    own = [i for i in (viewer.iin, viewer.bin) if i]
    return list(Ticket.objects.select_related("centre", "service", "counter")
                .filter(iin__in=own, status__in=ACTIVE).order_by("issued_at")) if own else []


def citizen_appointments(*, viewer: User) -> list[Appointment]:
    own = [i for i in (viewer.iin, viewer.bin) if i]
    return list(Appointment.objects.select_related("centre", "service")
                .filter(iin__in=own, status=AppointmentStatus.BOOKED).order_by("slot_start")) if own else []


def caller_view(ticket: Ticket, *, viewer: User) -> dict[str, Any]:
    """What the operator sees of a ticket. Before it is called: number, service and priority only;
    after calling: the visitor's IIN and name, and that view is audited."""
    from tereze.core.models import Person

    row: dict[str, Any] = {"ticket": ticket, "iin": "", "name": ""}
    if ticket.status in AT_COUNTER and ticket.iin:
        person = Person.objects.filter(iin=ticket.iin).first()
        row.update(iin=ticket.iin, name=person.full_name if person else "")
        audit_personal_data_view(viewer=viewer, subject_iin=ticket.iin, object_type="ticket", object_id=ticket.pk)
    return row


# ---------------------------------------------------------------- positions and waits

def average_minutes(*, kind: str, service: Service | None) -> int:
    if kind == TicketKind.APPLICATION and service is not None:
        standard = Standard.objects.in_force(clock.today()).filter(service=service).first()
        if standard is not None:
            return int(standard.average_service_minutes)
    return DEFAULT_MINUTES.get(kind, 15)  # type: ignore[call-overload, no-any-return]


def _counters_for(centre_id: int, kind: str, service_id: int | None) -> QuerySet[Counter]:
    counters = Counter.objects.filter(centre_id=centre_id, active=True)
    if kind == TicketKind.APPLICATION:
        return counters.filter(kind=Counter.Kind.WINDOW, services__id=service_id or 0)
    return counters.filter(kind=Counter.Kind.CONSULTANT if kind == TicketKind.CONSULTATION else Counter.Kind.ISSUING)


def ticket_position(ticket: Ticket) -> dict[str, Any]:
    """Place in its queue (1 = next) and an estimate of the wait, for the printed ticket and the portal."""
    if ticket.status != TicketStatus.WAITING:
        return {"position": None, "ahead": 0, "wait_minutes": 0}
    ahead = Ticket.objects.filter(
        centre_id=ticket.centre_id, status=TicketStatus.WAITING, kind=ticket.kind,
    ).filter(Q(service_id=ticket.service_id) if ticket.service_id else Q(service=None)).filter(
        Q(rank_at__lt=ticket.rank_at) | Q(rank_at=ticket.rank_at, id__lt=ticket.pk)).count()
    staffed = _counters_for(ticket.centre_id, ticket.kind, ticket.service_id).exclude(operator=None).count()
    counters = staffed or _counters_for(ticket.centre_id, ticket.kind, ticket.service_id).count() or 1
    minutes = average_minutes(kind=ticket.kind, service=ticket.service)
    wait = math.ceil(ahead * minutes / counters)
    if ticket.due_at > clock.now():
        wait = max(wait, math.ceil((ticket.due_at - clock.now()).total_seconds() / 60))
    return {"position": ahead + 1, "ahead": ahead, "wait_minutes": wait}


# ---------------------------------------------------------------- the board

def board(*, centre: Centre, limit: int = 12) -> dict[str, Any]:
    """Tickets now called or at a counter, newest call first, with the announcement in kk and ru."""
    calls = list(Ticket.objects.select_related("counter").filter(centre=centre, status__in=AT_COUNTER)
                 .order_by("-called_at")[:limit])
    rows = []
    for ticket in calls:
        counter = ticket.counter.number if ticket.counter else None
        announce = {}
        for language in ("kk", "ru"):
            with translation.override(language):
                announce[language] = str(translation.gettext("Ticket %(number)s, please come to window %(counter)s")
                                         % {"number": ticket.number, "counter": counter})
        rows.append({"number": ticket.number, "counter": counter, "status": ticket.status,
                     "called_at": ticket.called_at, "recalls": ticket.recalls, "announce": announce})
    waiting = Ticket.objects.filter(centre=centre, status=TicketStatus.WAITING).count()
    return {"centre": centre.code, "calls": rows, "waiting": waiting, "at": clock.now()}


# ---------------------------------------------------------------- slots

@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    minutes: int
    capacity: int
    free: int


def centre_slots(*, centre: Centre, service: Service, day: dt.date) -> list[Slot]:
    """Bookable times: within opening hours (none on holidays or closed days), one service length
    each, with half of the service's staffed capacity kept for walk-ins (at least one place)."""
    opening = hours.hours_on(centre, day)
    if opening is None:
        return []
    counters = _counters_for(centre.pk, TicketKind.APPLICATION, service.pk).count()
    if counters == 0:
        return []
    minutes = average_minutes(kind=TicketKind.APPLICATION, service=service)
    capacity = max(1, counters // 2)
    opens, closes = opening
    taken = Tally(a.slot_start for a in Appointment.objects.filter(
        centre=centre, service=service, slot_start__gte=opens, slot_start__lt=closes,
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN]).only("slot_start"))
    now = clock.now()
    slots, start, step = [], opens, dt.timedelta(minutes=minutes)
    while start + step <= closes:
        if start > now:
            slots.append(Slot(start=start, minutes=minutes, capacity=capacity,
                              free=max(capacity - taken.get(start, 0), 0)))
        start += step
    return slots


# ---------------------------------------------------------------- the manager's page

def _minutes(delta: dt.timedelta | None) -> float | None:
    return round(delta.total_seconds() / 60, 1) if delta is not None else None


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


@dataclass
class ServiceLine:
    label: str
    waiting: int = 0
    longest_wait: float | None = None
    served: int = 0
    waits: list[float] = field(default_factory=list)
    service_times: list[float] = field(default_factory=list)

    @property
    def avg_wait(self) -> float | None:
        return _mean(self.waits)

    @property
    def avg_service(self) -> float | None:
        return _mean(self.service_times)


def centre_live(*, centre: Centre, day: dt.date | None = None) -> dict[str, Any]:
    """Everything the manager's page shows, from today's tickets (a day is ~1,200 rows)."""
    day = day or clock.today()
    now = clock.now()
    tickets = list(Ticket.objects.select_related("service", "counter", "operator")
                   .filter(centre=centre, day=day).order_by("rank_at", "id"))
    lines: dict[tuple[str, int | None], ServiceLine] = {}
    per_operator: dict[str, dict[str, Any]] = defaultdict(lambda: {"called": 0, "served": 0, "no_show": 0,
                                                                   "service_times": []})
    by_service_times: dict[int | None, list[float]] = defaultdict(list)
    hourly: Tally[int] = Tally()
    for t in tickets:
        key = (t.kind, t.service_id)
        if key not in lines:
            label = f"{t.letter} · {t.service.t('name')}" if t.service else f"{t.letter} · {t.get_kind_display()}"
            lines[key] = ServiceLine(label=label)
        line = lines[key]
        if t.status == TicketStatus.WAITING:
            line.waiting += 1
            wait = _minutes(now - t.issued_at) or 0.0
            line.longest_wait = max(line.longest_wait or 0.0, wait)
        if t.called_at:
            line.waits.append(_minutes(t.called_at - t.issued_at) or 0.0)
        if t.operator is not None:
            stats = per_operator[t.operator.username]
            stats["called"] += 1
            stats["no_show"] += t.status == TicketStatus.NO_SHOW
        if t.status == TicketStatus.DONE and t.started_at and t.finished_at:
            minutes = _minutes(t.finished_at - t.started_at) or 0.0
            line.served += 1
            line.service_times.append(minutes)
            by_service_times[t.service_id].append(minutes)
            hourly[timezone.localtime(t.finished_at).hour] += 1
            if t.operator is not None:
                per_operator[t.operator.username]["served"] += 1
                per_operator[t.operator.username]["service_times"].append(minutes)
    flags: list[dict[str, Any]] = []
    medians = {k: statistics.median(v) for k, v in by_service_times.items() if len(v) >= 5}
    for t in tickets:
        if t.status == TicketStatus.DONE and t.started_at and t.finished_at and t.service_id in medians:
            minutes = _minutes(t.finished_at - t.started_at) or 0.0
            if minutes > OUTLIER_FACTOR * max(medians[t.service_id], 1):
                flags.append({"kind": "outlier", "ticket": t.number, "operator": t.operator.username
                              if t.operator else "", "minutes": minutes, "median": medians[t.service_id]})
        if t.status == TicketStatus.SERVING and t.started_at and now - t.started_at > LONG_SERVING:
            flags.append({"kind": "long_serving", "ticket": t.number, "operator": t.operator.username
                          if t.operator else "", "minutes": _minutes(now - t.started_at)})
    operators = []
    for username, stats in sorted(per_operator.items()):
        rate = stats["no_show"] / stats["called"] if stats["called"] else 0.0
        if stats["no_show"] >= 3 and rate > NO_SHOW_FLAG_RATE:
            flags.append({"kind": "called_not_served", "operator": username, "no_show": stats["no_show"],
                          "called": stats["called"]})
        operators.append({"username": username, "called": stats["called"], "served": stats["served"],
                          "no_show": stats["no_show"], "avg_service": _mean(stats["service_times"])})
    counters = []
    current = {t.counter_id: t for t in tickets if t.status in AT_COUNTER}
    for counter in Counter.objects.filter(centre=centre).select_related("operator").prefetch_related("services"):
        ticket = current.get(counter.pk)
        counters.append({"counter": counter, "operator": counter.operator.username if counter.operator else "",
                         "ticket": ticket.number if ticket else "", "status": ticket.status if ticket else "",
                         "since": (ticket.started_at or ticket.called_at) if ticket else None})
    return {"centre": centre, "day": day, "lines": list(lines.values()), "counters": counters,
            "operators": operators, "flags": flags, "hourly": sorted(hourly.items()),
            "overrides": overrides(centre_ids=[centre.pk])[:50]}


def overrides(*, centre_ids: list[int] | None = None, since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Every out-of-turn call, newest first, with who ordered it and why."""
    events = TicketEvent.objects.filter(kind="called_out_of_turn").select_related("actor", "ticket", "centre")
    if centre_ids is not None:
        events = events.filter(centre_id__in=centre_ids)
    if since is not None:
        events = events.filter(at__gte=since)
    return [{"at": e.at, "centre": e.centre.code, "manager": e.actor.username if e.actor else "system",
             "ticket": e.ticket.number, "reason": e.payload.get("reason", ""),
             "jumped": e.payload.get("jumped_count", 0)} for e in events.order_by("-at")[:500]]


def overrides_report(*, viewer: User, since: dt.datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """Counts of overrides per centre and per manager (the centres the viewer may see)."""
    events = TicketEvent.objects.filter(kind="called_out_of_turn", centre__in=visible_centres(viewer))
    if since is not None:
        events = events.filter(at__gte=since)
    per_centre = [dict(r) for r in events.values("centre__code").annotate(n=Count("id")).order_by("-n")]
    per_manager = [dict(r) for r in events.values("actor__username", "centre__code")
                   .annotate(n=Count("id")).order_by("-n")]
    return {"per_centre": per_centre, "per_manager": per_manager}


# ---------------------------------------------------------------- the situational centre

def situation(*, viewer: User, region_code: str = "") -> list[dict[str, Any]]:
    """Every centre the viewer may see, live: a fixed number of grouped queries whatever the count."""
    from tereze.applications.models import Application, ApplicationEvent
    from tereze.applications.states import CLOCK_RUNNING

    centres = visible_centres(viewer)
    if region_code:
        centres = centres.filter(region__code=region_code)
    centres_list = list(centres.order_by("region__name_en", "code"))
    ids = [c.pk for c in centres_list]
    today, now = clock.today(), clock.now()
    waiting = {r["centre_id"]: r for r in Ticket.objects.filter(centre_id__in=ids, status=TicketStatus.WAITING)
               .values("centre_id").annotate(n=Count("id"), oldest=Min("issued_at"))}
    served_rows = Ticket.objects.filter(centre_id__in=ids, day=today, status=TicketStatus.DONE,
                                        started_at__isnull=False, finished_at__isnull=False) \
        .values_list("centre_id", "started_at", "finished_at")
    served: dict[int, list[float]] = defaultdict(list)
    for centre_id, started, finished in served_rows:
        if started is not None and finished is not None:
            served[centre_id].append((finished - started).total_seconds() / 60)
    no_shows = dict(Ticket.objects.filter(centre_id__in=ids, day=today, status=TicketStatus.NO_SHOW)
                    .values("centre_id").annotate(n=Count("id")).values_list("centre_id", "n"))
    start_of_day = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    accepted = dict(ApplicationEvent.objects.filter(centre_id__in=ids, kind="accepted", at__gte=start_of_day)
                    .values("centre_id").annotate(n=Count("id")).values_list("centre_id", "n"))
    returned = dict(ApplicationEvent.objects.filter(centre_id__in=ids, kind="returned", at__gte=start_of_day)
                    .values("centre_id").annotate(n=Count("id")).values_list("centre_id", "n"))
    overdue = dict(Application.objects.filter(centre_id__in=ids, status__in=CLOCK_RUNNING, due_date__lt=today)
                   .values("centre_id").annotate(n=Count("id")).values_list("centre_id", "n"))
    last_call = dict(Ticket.objects.filter(centre_id__in=ids, day=today).values("centre_id")
                     .annotate(last=Max("called_at")).values_list("centre_id", "last"))
    rows = []
    for centre in centres_list:
        w = waiting.get(centre.pk)
        longest = _minutes(now - w["oldest"]) if w else 0.0
        times = served.get(centre.pk, [])
        overdue_here = overdue.get(centre.pk, 0)
        row: dict[str, Any] = {"centre": centre, "region": centre.region.t("name"), "waiting": w["n"] if w else 0,
               "served": len(times), "longest_wait": longest, "avg_service": _mean(times),
               "no_show": no_shows.get(centre.pk, 0), "accepted": accepted.get(centre.pk, 0),
               "returned": returned.get(centre.pk, 0), "overdue": overdue_here,
               "last_call": last_call.get(centre.pk)}
        row["alarm"] = bool((longest or 0) > 60 or (w and w["n"] > 50 and not row["last_call"])
                            or overdue_here > 20)
        rows.append(row)
    return rows


def staffed_counters(centre: Centre) -> list[Counter]:
    return list(Counter.objects.filter(centre=centre).select_related("operator").prefetch_related("services"))


def operator_counter(operator: User) -> Counter | None:
    return Counter.objects.select_related("centre").prefetch_related("services").filter(operator=operator).first()


def queue_summary_for_counter(counter: Counter) -> dict[str, Any]:
    """The operator's view before calling: how many wait for this counter, never who."""
    from tereze.centres.actions import eligible_for

    eligible = eligible_for(counter, now=clock.now())
    return {"waiting": eligible.count(), "priority": eligible.exclude(priority="none").count()}


def current_ticket(counter: Counter) -> Ticket | None:
    return Ticket.objects.select_related("service").filter(counter=counter, status__in=AT_COUNTER).first()


def role_is_manager(viewer: User) -> bool:
    return viewer.role in (Role.CENTRE_MANAGER, Role.CENTRE_SUPERVISOR, Role.ADMINISTRATOR)
