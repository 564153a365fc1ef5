import datetime as dt

import pytest
from django.test import Client

from tereze.core.calendar import CalendarError, add_working_days, forget_transfers, is_working_day
from tereze.core.models import WorkingDayTransfer

D = dt.date
pytestmark = pytest.mark.django_db


def test_deadline_skips_nauryz_and_its_observed_days() -> None:
    # Friday 20 March 2026; 21-25 March are Nauryz (with days carried over from the weekend).
    assert add_working_days(D(2026, 3, 20), 1) == D(2026, 3, 26)
    assert add_working_days(D(2026, 3, 20), 5) == D(2026, 4, 1)


def test_deadline_across_the_year_end() -> None:
    # 1-2 January are holidays, 2027-01-04 carries over New Year's Saturday.
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 5)


def test_zero_working_days_is_the_start() -> None:
    assert add_working_days(D(2026, 3, 21), 0) == D(2026, 3, 21)


def test_decreed_transfer_makes_a_saturday_work_and_a_monday_rest() -> None:
    saturday, monday = D(2026, 10, 10), D(2026, 10, 12)
    assert add_working_days(D(2026, 10, 9), 1) == monday
    WorkingDayTransfer.objects.create(date=saturday, kind=WorkingDayTransfer.Kind.WORKING_DAY)
    WorkingDayTransfer.objects.create(date=monday, kind=WorkingDayTransfer.Kind.DAY_OFF)
    forget_transfers()
    assert is_working_day(saturday) and not is_working_day(monday)
    assert add_working_days(D(2026, 10, 9), 1) == saturday
    assert add_working_days(D(2026, 10, 9), 2) == D(2026, 10, 13)


def test_out_of_range_input_is_refused() -> None:
    with pytest.raises(CalendarError, match="between 0 and"):
        add_working_days(D(2026, 1, 1), -1)


def test_deadline_endpoint_computes_the_due_date(client: Client) -> None:
    response = client.get("/api/v1/calendar/deadline", {"start": "2026-03-20", "working_days": 1})
    assert response.status_code == 200
    assert response.json() == {"due": "2026-03-26"}


@pytest.mark.parametrize("params, fragment", [
    ({"start": "2026-02-30", "working_days": 1}, "start"),
    ({"start": "tomorrow", "working_days": 1}, "start"),
    ({"start": "2026-01-01", "working_days": -3}, "working_days"),
    ({"start": "2026-01-01", "working_days": "many"}, "working_days"),
    ({"start": "2026-01-01", "working_days": 999999}, "working_days"),
    ({"working_days": 3}, "start"),
    ({"start": "3026-01-01", "working_days": 3}, "outside"),
])
def test_deadline_endpoint_bad_input_gets_422_with_a_message(client: Client, params: dict, fragment: str) -> None:
    response = client.get("/api/v1/calendar/deadline", params)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]
