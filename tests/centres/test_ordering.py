"""The written rule of the queue order (tereze/centres/states.py): appointments due now, then
priority groups with ageing, then first come first served. Property tests drive the real action."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tereze.centres import actions
from tereze.centres.models import Ticket, TicketEvent, TicketSequence
from tereze.centres.states import PRIORITY_HEAD_START, Priority
from tereze.core import clock
from tests.centres.conftest import MONDAY


def arrive(hall, n, minute, priority=Priority.NONE):
    with clock.frozen(MONDAY + dt.timedelta(minutes=minute)):
        return actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[n].iin,
                                    priority=priority)


def call_all(hall, at_minute):
    order = []
    with clock.frozen(MONDAY + dt.timedelta(minutes=at_minute)):
        while True:
            ticket = actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])
            if ticket is None:
                return order
            order.append(ticket.pk)
            actions.ticket_no_show(ticket=ticket, operator=hall.operators[0])


def test_priority_goes_ahead_of_recent_arrivals(hall) -> None:
    a = arrive(hall, 0, 0)
    b = arrive(hall, 1, 10)
    p = arrive(hall, 2, 15, Priority.ELDERLY)  # ranked as if arrived at minute -5
    assert call_all(hall, 16) == [p.pk, a.pk, b.pk]


def test_ageing_a_long_wait_beats_a_newly_arrived_priority(hall) -> None:
    a = arrive(hall, 0, 0)
    p = arrive(hall, 1, 25, Priority.DISABLED)  # arrived more than the head start after a
    assert dt.timedelta(minutes=25) > PRIORITY_HEAD_START
    assert call_all(hall, 26) == [a.pk, p.pk]


def test_due_appointment_goes_first_but_not_before_its_time(hall) -> None:
    slot = MONDAY + dt.timedelta(minutes=30)
    with clock.frozen(MONDAY - dt.timedelta(days=1)):
        booking = actions.appointment_book(centre=hall.centre, service=hall.service, iin=hall.people[5].iin,
                                           slot_start=slot, actor=hall.operators[0], channel="phone")
    walk_in = arrive(hall, 0, 0, Priority.PREGNANT)
    with clock.frozen(MONDAY + dt.timedelta(minutes=5)):
        booked = actions.appointment_check_in(centre=hall.centre, code=booking.code, iin=booking.iin)
    # at minute 10 the booking is not due yet: the walk-in is called
    assert call_all(hall, 10) == [walk_in.pk]
    late = arrive(hall, 1, 20, Priority.VETERAN)
    assert call_all(hall, 31) == [booked.pk, late.pk]


arrivals = st.lists(st.tuples(st.integers(min_value=0, max_value=120), st.booleans()), min_size=1, max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrivals=arrivals)
def test_fifo_within_a_class_and_bounded_overtaking(hall, arrivals) -> None:
    TicketEvent.objects.all().delete()
    Ticket.objects.all().delete()  # each example starts from an empty hall
    TicketSequence.objects.all().delete()
    tickets = []
    for n, (minute, priority) in enumerate(arrivals):
        tickets.append((arrive(hall, n, minute, Priority.ELDERLY if priority else Priority.NONE), minute, priority))
    order = call_all(hall, 200)
    assert sorted(order) == sorted(t.pk for t, _, _ in tickets)  # everybody is called exactly once
    position = {pk: i for i, pk in enumerate(order)}
    for (t1, m1, p1), (t2, m2, p2) in ((x, y) for x in tickets for y in tickets if x[0].pk != y[0].pk):
        if p1 == p2 and (m1, t1.pk) < (m2, t2.pk):
            assert position[t1.pk] < position[t2.pk], "FIFO broken within a class"
        head_start = PRIORITY_HEAD_START.total_seconds() / 60
        if not p1 and p2 and m2 > m1 + head_start:
            assert position[t1.pk] < position[t2.pk], "a priority arriving later overtook beyond the head start"
