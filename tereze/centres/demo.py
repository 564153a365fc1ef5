"""Queue history for the demo country: counters for every centre, and a few days of tickets with
arrivals by hour, realistic service times, no-shows, walk-outs and a few overrides, so the
situational centre shows a believable country.

Generated data, so it is written with bulk_create; each ticket's events follow the transition
table exactly (issued -> called -> started -> finished, or called -> no_show, or cancelled), and
today's tickets stop where the present moment is (still waiting, or at a counter right now).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from tereze.centres import actions
from tereze.centres.hours import hours_on
from tereze.centres.models import Centre, Counter, Ticket, TicketEvent, TicketSequence
from tereze.centres.states import Priority, TicketKind, TicketStatus, rank_for
from tereze.core import clock
from tereze.core.models import Person, User
from tereze.core.roles import Role
from tereze.registry.models import Channel, Service, Standard

# Share of the day's arrivals per opening hour (9:00 ... 19:00): a morning and an afternoon peak.
ARRIVALS_BY_HOUR = [6, 11, 13, 12, 8, 7, 9, 11, 10, 8, 5]
PRIORITIES = [(Priority.ELDERLY, 0.05), (Priority.DISABLED, 0.015), (Priority.PREGNANT, 0.01),
              (Priority.VETERAN, 0.005)]
NO_SHOW_RATE = 0.05
WALK_OUT_RATE = 0.02
OVERRIDE_REASONS = [
    "Заявитель на коляске, пропущен по решению руководителя",
    "Повторное обращение по ошибке ЦОН, принят вне очереди",
    "Срочная выдача по запросу суда",
]


def _centre_services() -> list[Service]:
    """Services whose first published standard offers the centre channel."""
    chosen = []
    for service in Service.objects.prefetch_related("standards").order_by("code"):
        standards = sorted((s for s in service.standards.all() if s.published), key=lambda s: s.version)
        if standards and Channel.CENTRE in standards[0].channels:
            chosen.append(service)
    return chosen


def ensure_counters(centre: Centre, services: list[Service], windows: int) -> list[Counter]:
    """Windows serving every centre service, a consultant desk and an issuing desk (once)."""
    existing = list(Counter.objects.filter(centre=centre).order_by("number"))
    if existing:
        return existing
    made = [actions.counter_create(centre=centre, number=n, services=services) for n in range(1, windows + 1)]
    made.append(actions.counter_create(centre=centre, number=windows + 1, kind=Counter.Kind.CONSULTANT))
    made.append(actions.counter_create(centre=centre, number=windows + 2, kind=Counter.Kind.ISSUING))
    return made


class _Day:
    """Simulates one centre's day: arrivals, FIFO-with-priority calls to the first free counter."""

    def __init__(self, rng: random.Random, centre: Centre, day: dt.date, counters: list[Counter],
                 operators: list[User], manager: User | None, services: list[Service], people: list[Person],
                 volume: int, now: dt.datetime, minutes: dict[int, int]) -> None:
        self.rng, self.centre, self.day, self.now = rng, centre, day, now
        self.counters, self.operators, self.manager = counters, operators, manager
        self.services, self.people, self.volume, self.minutes = services, people, volume, minutes
        self.tickets: list[Ticket] = []
        self.events: list[tuple[int, dict[str, Any]]] = []  # (ticket index, event fields)
        self.sequences: dict[str, int] = {}

    def arrivals(self, opens: dt.datetime) -> list[dt.datetime]:
        moments = []
        for hour, share in enumerate(ARRIVALS_BY_HOUR):
            for _ in range(round(self.volume * share / sum(ARRIVALS_BY_HOUR))):
                moments.append(opens + dt.timedelta(hours=hour, seconds=self.rng.uniform(0, 3600)))
        return sorted(moments)

    def priority(self) -> str:
        roll = self.rng.random()
        for priority, share in PRIORITIES:
            if roll < share:
                return priority
            roll -= share
        return Priority.NONE

    def event(self, index: int, kind: str, from_status: str, to_status: str, at: dt.datetime,
              actor: User | None, counter: Counter | None, payload: dict[str, Any] | None = None) -> None:
        self.events.append((index, {"kind": kind, "from_status": from_status, "to_status": to_status, "at": at,
                                    "actor": actor, "actor_role": actor.role if actor else "kiosk",
                                    "centre": self.centre, "counter": counter, "payload": payload or {}}))

    def run(self) -> None:
        opening = hours_on(self.centre, self.day)
        if opening is None:
            return
        opens, closes = opening
        windows = [c for c in self.counters if c.kind == Counter.Kind.WINDOW][:max(len(self.operators), 1)]
        free_at = {c.pk: opens for c in windows}
        operator_of = {c.pk: self.operators[i % len(self.operators)] for i, c in enumerate(windows)}
        active: set[tuple[int, str]] = set()
        waiting: list[int] = []
        overrides_left = 1 if self.manager and self.rng.random() < 0.4 else 0
        for arrived in self.arrivals(opens):
            if arrived >= self.now or arrived >= closes:
                break
            service = self.rng.choice(self.services)
            person = self.rng.choice(self.people)
            if (service.pk, person.iin) in active:
                continue  # one ticket per person and service a day: a ticket may still be active at the end
            active.add((service.pk, person.iin))
            priority = self.priority()
            letter = actions.letter_for(TicketKind.APPLICATION, service)
            seq = self.sequences[letter] = self.sequences.get(letter, 0) + 1
            ticket = Ticket(centre=self.centre, kind=TicketKind.APPLICATION, service=service, day=self.day,
                            letter=letter, seq=seq, number=f"{letter}-{seq:03d}",
                            code=f"{self.rng.getrandbits(48):012X}",
                            iin=person.iin, priority=priority, status=TicketStatus.WAITING, issued_at=arrived,
                            due_at=arrived, rank_at=rank_for(arrived_at=arrived, priority=priority))
            index = len(self.tickets)
            self.tickets.append(ticket)
            self.event(index, "issued", "", TicketStatus.WAITING, arrived, None, None,
                       {"channel": "kiosk", "priority": priority, "appointment": None})
            waiting.append(index)
            self.serve_until(arrived, waiting, windows, free_at, operator_of)
            if overrides_left and len(waiting) > 4 and self.rng.random() < 0.05:
                overrides_left -= self.override(waiting, windows, free_at, operator_of, arrived)
        self.serve_until(min(self.now, closes), waiting, windows, free_at, operator_of)
        for index in waiting:  # still in the hall
            if self.now >= closes:
                self.finish(index, "cancelled", TicketStatus.CANCELLED, closes, None, None, {"reason": "centre closed"})

    def serve_until(self, moment: dt.datetime, waiting: list[int], windows: list[Counter],
                    free_at: dict[int, dt.datetime], operator_of: dict[int, User]) -> None:
        """Call waiting tickets, by rank, to counters that became free before `moment`."""
        while waiting:
            counter = min(windows, key=lambda c: free_at[c.pk])
            if free_at[counter.pk] > moment:
                return
            waiting.sort(key=lambda i: (self.tickets[i].rank_at, i))
            index = waiting.pop(0)
            called = max(free_at[counter.pk], self.tickets[index].issued_at)
            free_at[counter.pk] = self.call(index, counter, operator_of[counter.pk], called)

    def call(self, index: int, counter: Counter, operator: User, called: dt.datetime, kind: str = "called",
             payload: dict[str, Any] | None = None, actor: User | None = None) -> dt.datetime:
        """Play one ticket at a counter up to now; returns when the counter is free again."""
        ticket, rng = self.tickets[index], self.rng
        if rng.random() < WALK_OUT_RATE and kind == "called":
            self.finish(index, "cancelled", TicketStatus.CANCELLED, called, None, None, {"reason": "left"})
            return called
        ticket.status, ticket.counter, ticket.operator = TicketStatus.CALLED, counter, operator
        ticket.called_at = called
        self.event(index, kind, TicketStatus.WAITING, TicketStatus.CALLED, called, actor or operator, counter,
                   {"waited_seconds": int((called - ticket.issued_at).total_seconds()), **(payload or {})})
        if rng.random() < NO_SHOW_RATE:
            gone = called + dt.timedelta(minutes=3)
            if gone <= self.now:
                self.finish(index, "no_show", TicketStatus.NO_SHOW, gone, operator, counter, {"recalls": 0})
            return gone
        started = called + dt.timedelta(seconds=rng.uniform(30, 120))
        if started > self.now:
            return started
        ticket.status, ticket.started_at = TicketStatus.SERVING, started
        self.event(index, "started", TicketStatus.CALLED, TicketStatus.SERVING, started, operator, counter)
        average = self.minutes.get(ticket.service_id or 0, 15)
        finished = started + dt.timedelta(minutes=min(rng.lognormvariate(0, 0.45) * average, average * 5))
        if finished > self.now:
            return finished
        seconds = int((finished - started).total_seconds())
        self.finish(index, "finished", TicketStatus.DONE, finished, operator, counter, {"service_seconds": seconds},
                    from_status=TicketStatus.SERVING)
        return finished

    def finish(self, index: int, kind: str, status: str, at: dt.datetime, actor: User | None,
               counter: Counter | None, payload: dict[str, Any], from_status: str | None = None) -> None:
        ticket = self.tickets[index]
        previous = from_status or ticket.status
        ticket.status, ticket.finished_at = status, at
        self.event(index, kind, previous, status, at, actor, counter, payload)

    def override(self, waiting: list[int], windows: list[Counter], free_at: dict[int, dt.datetime],
                 operator_of: dict[int, User], moment: dt.datetime) -> int:
        counter = min(windows, key=lambda c: free_at[c.pk])
        if free_at[counter.pk] > moment:
            return 0
        waiting.sort(key=lambda i: (self.tickets[i].rank_at, i))
        index = waiting.pop()  # the last in line
        jumped = [self.tickets[i].number for i in waiting]
        self.tickets[index].out_of_turn = True
        free_at[counter.pk] = self.call(index, counter, operator_of[counter.pk], moment, kind="called_out_of_turn",
                                        payload={"reason": self.rng.choice(OVERRIDE_REASONS), "jumped": jumped[:50],
                                                 "jumped_count": len(jumped)}, actor=self.manager)
        return 1

    def save(self) -> int:
        if not self.tickets:
            return 0
        Ticket.objects.bulk_create(self.tickets, batch_size=500)
        TicketEvent.objects.bulk_create(
            [TicketEvent(ticket=self.tickets[index], **fields) for index, fields in self.events], batch_size=1000)
        for letter, last in self.sequences.items():
            TicketSequence.objects.update_or_create(centre=self.centre, day=self.day, letter=letter,
                                                    defaults={"last": last})
        return len(self.tickets)


def load_queue_history(*, centres: list[Centre], people: list[Person], days: list[dt.date], seed: int = 1,
                       scale: float = 1.0) -> int:
    """Counters for every centre and queue history for `days` plus today up to now. Returns tickets made.

    Run once per demo database (demo_country calls it on the first run only)."""
    rng = random.Random(seed * 104729)
    services = _centre_services()[:40]
    if not services or not people:
        return 0
    minutes = {s.service_id: s.average_service_minutes
               for s in Standard.objects.filter(service__in=services, published=True).order_by("version")}
    now = clock.now()
    today = timezone.localdate(now)
    made = 0
    for centre in centres:
        operators = list(User.objects.filter(centre=centre, role=Role.OPERATOR).order_by("username"))
        if not operators:
            continue
        manager = User.objects.filter(centre=centre, role=Role.CENTRE_MANAGER).first()
        with transaction.atomic():
            counters = ensure_counters(centre, services, windows=max(4, len(operators) * 2))
            volume = max(10, int(30 * len(operators) * rng.uniform(0.8, 1.3)))
            for day in [*days, today]:
                # Past days play to the end; today stops at the present moment.
                until = now if day == today else now + dt.timedelta(days=1)
                simulated = _Day(rng, centre, day, counters, operators, manager, services, people, volume,
                                 until, minutes)
                simulated.run()
                made += simulated.save()
            _seat_operators(centre, today)
    return made


def _seat_operators(centre: Centre, today: dt.date) -> None:
    """Today's tickets at a counter need their operator signed in there (through the action)."""
    for ticket in Ticket.objects.filter(centre=centre, day=today, status__in=[TicketStatus.CALLED,
                                                                              TicketStatus.SERVING]) \
            .select_related("counter", "operator"):
        if ticket.counter and ticket.operator and ticket.counter.operator_id != ticket.operator_id:
            actions.counter_sign_in(counter=ticket.counter, operator=ticket.operator)
