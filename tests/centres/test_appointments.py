import datetime as dt

import pytest

from tereze.centres import actions, selectors
from tereze.centres.models import Appointment
from tereze.centres.states import AppointmentStatus, TicketStatus
from tereze.core import clock
from tereze.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tereze.core.models import WorkingDayTransfer
from tests import factories
from tests.centres.conftest import MONDAY

TUESDAY = (MONDAY + dt.timedelta(days=1)).date()


def slots(hall, day=TUESDAY, service=None):
    return selectors.centre_slots(centre=hall.centre, service=service or hall.service, day=day)


def book(hall, n=0, slot=None, actor=None, day=TUESDAY):
    slot = slot or slots(hall, day)[0].start
    return actions.appointment_book(centre=hall.centre, service=hall.service, iin=hall.people[n].iin,
                                    slot_start=slot, actor=actor or hall.operators[0], channel="phone")


def test_slots_follow_opening_hours_and_service_length(hall, monday) -> None:
    offered = slots(hall)
    local = [s.start.astimezone(MONDAY.tzinfo) for s in offered]
    assert local[0].hour == 9 and local[0].minute == 0
    assert local[-1].hour == 19 and local[-1].minute == 45  # 15-minute service ends at closing, 20:00
    assert len(offered) == 44
    assert all(s.capacity == 2 and s.free == 2 for s in offered)  # half of four windows kept for walk-ins


def test_no_slots_on_sunday_holidays_and_closed_days(hall, monday) -> None:
    assert slots(hall, day=TUESDAY + dt.timedelta(days=5)) == []  # Sunday
    saturday = TUESDAY + dt.timedelta(days=4)
    assert slots(hall, day=saturday)  # centres open on Saturdays
    assert slots(hall, day=dt.date(2026, 12, 16)) == []  # Independence Day
    hall.centre.days_closed = [TUESDAY.isoformat()]
    hall.centre.save()
    assert slots(hall) == []


def test_decreed_day_off_closes_and_decreed_working_day_opens(hall, monday) -> None:
    WorkingDayTransfer.objects.create(date=TUESDAY, kind=WorkingDayTransfer.Kind.DAY_OFF)
    assert slots(hall) == []
    WorkingDayTransfer.objects.create(date=dt.date(2026, 12, 16), kind=WorkingDayTransfer.Kind.WORKING_DAY)
    assert slots(hall, day=dt.date(2026, 12, 16))


def test_past_slots_are_not_offered(hall) -> None:
    with clock.frozen(MONDAY.replace(hour=19, minute=10)):
        assert [s.start.astimezone(MONDAY.tzinfo).strftime("%H:%M") for s in slots(hall, day=MONDAY.date())] == \
            ["19:15", "19:30", "19:45"]


def test_booking_fills_a_slot_and_limits_hold(hall, monday) -> None:
    first = slots(hall)[0].start
    book(hall, 0, first)
    book(hall, 1, first)
    assert slots(hall)[0].free == 0
    with pytest.raises(Conflict):
        book(hall, 2, first)  # full
    with pytest.raises(Conflict):
        book(hall, 0, slots(hall)[3].start)  # one active booking per IIN and service
    with pytest.raises(ValidationFailed):
        book(hall, 3, first + dt.timedelta(minutes=7))  # not an offered time


def test_daily_cap_across_services(hall, monday) -> None:
    iin = hall.people[0].iin
    actions.appointment_book(centre=hall.centre, service=hall.service, iin=iin, slot_start=slots(hall)[0].start,
                             actor=hall.operators[0])
    actions.appointment_book(centre=hall.centre, service=hall.other_service, iin=iin,
                             slot_start=slots(hall, service=hall.other_service)[2].start, actor=hall.operators[0])
    third = factories.ServiceFactory(category="tax")
    factories.make_standard(third)
    hall.windows[0].services.add(third)
    with pytest.raises(Conflict) as error:
        actions.appointment_book(centre=hall.centre, service=third, iin=iin,
                                 slot_start=slots(hall, service=third)[4].start, actor=hall.operators[0])
    assert "daily" in str(error.value.detail)


def test_citizen_books_only_for_themselves(hall, monday) -> None:
    person = hall.people[0]
    citizen = factories.citizen(person)
    appointment = book(hall, 0, actor=citizen)
    with pytest.raises(Forbidden):
        book(hall, 1, actor=citizen)
    other = factories.citizen(hall.people[1])
    with pytest.raises(NotFound):
        actions.appointment_cancel(appointment=appointment, actor=other)
    actions.appointment_cancel(appointment=appointment, actor=citizen)
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED


def test_reschedule_moves_the_booking(hall, monday) -> None:
    appointment = book(hall, 0)
    new = actions.appointment_reschedule(appointment=appointment, slot_start=slots(hall)[5].start,
                                         actor=hall.operators[0])
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.RESCHEDULED
    assert new.status == AppointmentStatus.BOOKED and new.slot_start == slots(hall)[5].start
    assert list(appointment.events.values_list("kind", flat=True)) == ["booked", "rescheduled"]


def test_check_in_window_and_lapse(hall, monday) -> None:
    appointment = book(hall, 0)
    slot = appointment.slot_start
    with clock.frozen(slot - dt.timedelta(hours=2)), pytest.raises(Conflict):
        actions.appointment_check_in(centre=hall.centre, code=appointment.code, iin=appointment.iin)
    with clock.frozen(slot + dt.timedelta(minutes=20)), pytest.raises(Conflict):
        actions.appointment_check_in(centre=hall.centre, code=appointment.code, iin=appointment.iin)
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.NO_SHOW  # the lapse is kept
    other = book(hall, 1, slots(hall)[4].start)
    with clock.frozen(other.slot_start - dt.timedelta(minutes=10)):
        with pytest.raises(NotFound):
            actions.appointment_check_in(centre=hall.centre, code=other.code, iin=hall.people[2].iin)
        ticket = actions.appointment_check_in(centre=hall.centre, code=other.code.lower(), iin=other.iin)
    assert ticket.status == TicketStatus.WAITING and ticket.appointment == other and ticket.due_at == other.slot_start


def test_no_show_limit_pauses_portal_booking(hall, monday) -> None:
    person = hall.people[0]
    for n in range(3):
        Appointment.objects.create(centre=hall.centre, service=hall.service, iin=person.iin,
                                   slot_start=MONDAY - dt.timedelta(days=n + 1), slot_minutes=15,
                                   status=AppointmentStatus.NO_SHOW, code=f"OLD{n}")
    with pytest.raises(Conflict):
        book(hall, 0, actor=factories.citizen(person))
    assert book(hall, 0, actor=hall.operators[0])  # at the centre an operator may still book it
