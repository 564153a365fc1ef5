from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tereze.centres import actions
from tereze.centres.models import Centre, Counter
from tereze.core import clock
from tereze.core.models import Person, User
from tereze.registry.models import Service
from tests import factories

# A Monday in November 2026 (no holiday), mid-morning in Almaty.
MONDAY = timezone.make_aware(dt.datetime(2026, 11, 23, 10, 0))


@dataclass
class Hall:
    centre: Centre
    other_centre: Centre
    service: Service
    other_service: Service
    windows: list[Counter]
    consultant_desk: Counter
    operators: list[User]
    manager: User
    other_operator: User
    other_window: Counter
    people: list[Person]
    analyst: User


@pytest.fixture
def hall(db: None) -> Hall:
    rooms = factories.centre_rooms()
    for window, operator in zip(rooms.windows, rooms.operators, strict=True):
        actions.counter_sign_in(counter=window, operator=operator)
    actions.counter_sign_in(counter=rooms.other_window, operator=rooms.other_operator)
    return Hall(centre=rooms.centre, other_centre=rooms.other_centre, service=rooms.service,
                other_service=rooms.other_service, windows=rooms.windows, consultant_desk=rooms.desk,
                operators=rooms.operators, manager=factories.staff("centre_manager", centre_id=rooms.centre.pk),
                other_operator=rooms.other_operator, other_window=rooms.other_window,
                people=[factories.person() for _ in range(12)], analyst=factories.staff("analyst"))


@pytest.fixture
def monday() -> object:
    with clock.frozen(MONDAY) as at:
        yield at
