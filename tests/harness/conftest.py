from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tereze.centres import actions as centres
from tereze.centres.models import Appointment, Centre, Counter, Ticket
from tereze.centres.selectors import centre_slots
from tereze.core import clock
from tereze.core.models import User
from tereze.registry.models import Service
from tests import factories


@pytest.fixture(autouse=True)
def _restart_serials() -> None:
    """tests.factories.new_iin runs out of valid birth dates after ~1,100 people in one process
    (1980 + n*37 days passes 2099); the harness makes many worlds, each rolled back, so restart it."""
    factories._serial = itertools.count(1)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- a centre's hall (access matrix, hostile input)

MONDAY = timezone.make_aware(dt.datetime(2026, 11, 23, 10, 0))
GUESS = 1_000_000


@dataclass
class Hall:
    centre: Centre
    other_centre: Centre
    service: Service
    other_service: Service
    windows: list[Counter]
    desk: Counter
    other_window: Counter
    called: Ticket
    serving: Ticket
    waiting: Ticket
    booking: Appointment
    due: Appointment
    free_slot: dt.datetime
    newcomer_iin: str
    users: dict[str, User]


@pytest.fixture
def hall(db: None) -> Iterator[Hall]:
    rooms = factories.centre_rooms()
    body, service, other_service = rooms.body, rooms.service, rooms.other_service
    centre, other_centre, windows, desk = rooms.centre, rooms.other_centre, rooms.windows, rooms.desk
    other_window, operators, other_operator = rooms.other_window, rooms.operators, rooms.other_operator
    people = [factories.person() for _ in range(5)]
    holder = factories.citizen(people[0])
    with clock.frozen(MONDAY - dt.timedelta(days=1)):
        due = centres.appointment_book(centre=centre, service=service, iin=people[3].iin,
                                       slot_start=MONDAY + dt.timedelta(minutes=30), actor=operators[0],
                                       channel="phone")
    with clock.frozen(MONDAY):
        for window, operator in zip(windows, operators, strict=True):
            centres.counter_sign_in(counter=window, operator=operator)
        centres.counter_sign_in(counter=other_window, operator=other_operator)
        centres.ticket_issue(centre=centre, service=service, iin=people[0].iin)
        called = centres.ticket_call_next(counter=windows[0], operator=operators[0])
        centres.ticket_issue(centre=centre, service=service, iin=people[1].iin)
        serving = centres.ticket_call_next(counter=windows[1], operator=operators[1])
        assert called is not None and serving is not None
        serving = centres.ticket_start(ticket=serving, operator=operators[1])
        waiting = centres.ticket_issue(centre=centre, service=service, iin=people[2].iin)
        tomorrow = (MONDAY + dt.timedelta(days=1)).date()
        slots = centre_slots(centre=centre, service=service, day=tomorrow)
        booking = centres.appointment_book(centre=centre, service=service, iin=people[0].iin,
                                           slot_start=slots[0].start, actor=holder)
        free_slot = centre_slots(centre=centre, service=other_service, day=tomorrow)[5].start
        users = {
            "operator": operators[0], "colleague": operators[1], "idle_operator": operators[2],
            "manager": factories.staff("centre_manager", centre_id=centre.pk),
            "other_operator": other_operator,
            "other_manager": factories.staff("centre_manager", centre_id=other_centre.pk),
            "official": factories.staff("official", body_id=body.pk),
            "holder": holder, "other_citizen": factories.citizen(),
            "analyst": factories.staff("analyst"), "auditor": factories.staff("auditor"),
        }
        yield Hall(centre=centre, other_centre=other_centre, service=service, other_service=other_service,
                   windows=windows, desk=desk, other_window=other_window, called=called, serving=serving,
                   waiting=waiting, booking=booking, due=due, free_slot=free_slot, newcomer_iin=people[4].iin,
                   users=users)
