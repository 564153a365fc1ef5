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
    body = factories.BodyFactory()
    service = factories.ServiceFactory(body=body, category="property")
    other_service = factories.ServiceFactory(body=body, category="transport")
    factories.make_standard(service)
    factories.make_standard(other_service)
    centre, other_centre = factories.CentreFactory(), factories.CentreFactory()
    windows = [actions.counter_create(centre=centre, number=n, services=[service, other_service])
               for n in (1, 2, 3, 4)]
    desk = actions.counter_create(centre=centre, number=9, kind=Counter.Kind.CONSULTANT)
    other_window = actions.counter_create(centre=other_centre, number=1, services=[service])
    operators = [factories.staff("operator", centre_id=centre.pk) for _ in range(4)]
    other_operator = factories.staff("operator", centre_id=other_centre.pk)
    for window, operator in zip(windows, operators, strict=True):
        actions.counter_sign_in(counter=window, operator=operator)
    actions.counter_sign_in(counter=other_window, operator=other_operator)
    return Hall(centre=centre, other_centre=other_centre, service=service, other_service=other_service,
                windows=windows, consultant_desk=desk, operators=operators,
                manager=factories.staff("centre_manager", centre_id=centre.pk), other_operator=other_operator,
                other_window=other_window, people=[factories.person() for _ in range(12)],
                analyst=factories.staff("analyst"))


@pytest.fixture
def monday() -> object:
    with clock.frozen(MONDAY) as at:
        yield at
