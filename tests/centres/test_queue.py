import datetime as dt
import itertools

import pytest

from tereze.centres import actions, selectors
from tereze.centres.models import Ticket, TicketEvent
from tereze.centres.states import TRANSITIONS, Priority, TicketKind, TicketStatus, ensure_transition
from tereze.core import clock
from tereze.core.errors import Conflict, NotFound, TransitionNotAllowed, ValidationFailed
from tereze.core.models import AuditEntry, Notification
from tests.centres.conftest import MONDAY


def take(hall, n=0, **kwargs):
    kwargs.setdefault("service", hall.service)
    return actions.ticket_issue(centre=hall.centre, iin=hall.people[n].iin, **kwargs)


def assert_history_is_consistent(ticket: Ticket) -> None:
    state = ""
    for event in TicketEvent.objects.filter(ticket=ticket).order_by("at", "id"):
        assert event.from_status == state, f"{event.kind} starts at {event.from_status}, expected {state}"
        state = event.to_status
    ticket.refresh_from_db()
    assert state == ticket.status


@pytest.mark.parametrize("current, requested", list(itertools.product(TicketStatus.values, TicketStatus.values)))
def test_transition_table_allows_exactly_its_pairs(current, requested) -> None:
    if requested in TRANSITIONS[current]:
        ensure_transition(current, requested)
    else:
        with pytest.raises(TransitionNotAllowed):
            ensure_transition(current, requested)


def test_ticket_numbers_run_per_letter_and_day(hall, monday) -> None:
    a = take(hall, 0)
    b = take(hall, 1)
    c = take(hall, 2, service=hall.other_service)
    k = actions.ticket_issue(centre=hall.centre, kind=TicketKind.CONSULTATION)
    assert [a.number, b.number, c.number, k.number] == ["D-001", "D-002", "E-001", "K-001"]
    with clock.frozen(MONDAY + dt.timedelta(days=1)):
        assert take(hall, 3).number == "D-001"


def test_full_path_records_every_stage(hall, monday, django_capture_on_commit_callbacks) -> None:
    ticket = take(hall)
    window, operator = hall.windows[0], hall.operators[0]
    with django_capture_on_commit_callbacks(execute=True):
        called = actions.ticket_call_next(counter=window, operator=operator)
    assert called is not None and called.pk == ticket.pk and called.status == TicketStatus.CALLED
    actions.ticket_recall(ticket=called, operator=operator)
    with clock.frozen(MONDAY + dt.timedelta(minutes=2)):
        actions.ticket_start(ticket=called, operator=operator)
    with clock.frozen(MONDAY + dt.timedelta(minutes=14)):
        done = actions.ticket_finish(ticket=called, operator=operator)
    assert done.status == TicketStatus.DONE and done.finished_at and done.started_at
    assert list(done.events.values_list("kind", flat=True)) == ["issued", "called", "recalled", "started", "finished"]
    assert_history_is_consistent(done)
    assert AuditEntry.objects.filter(object_type="ticket", object_id=str(done.pk)).count() == 5


def test_iin_is_required_for_applications_and_checked(hall, monday) -> None:
    with pytest.raises(ValidationFailed):
        actions.ticket_issue(centre=hall.centre, service=hall.service, iin="")
    with pytest.raises(ValidationFailed):
        actions.ticket_issue(centre=hall.centre, service=hall.service, iin="123456789012")
    consult = actions.ticket_issue(centre=hall.centre, kind=TicketKind.CONSULTATION)
    assert consult.iin == ""


def test_one_active_ticket_per_iin_service_and_centre(hall, monday) -> None:
    first = take(hall)
    with pytest.raises(Conflict):
        take(hall)
    take(hall, service=hall.other_service)  # another service is fine
    actions.ticket_cancel(ticket=first, actor=None)
    assert take(hall).status == TicketStatus.WAITING  # once the first is over, a new one


def test_closed_centre_issues_no_tickets(hall) -> None:
    sunday = MONDAY - dt.timedelta(days=1)
    with clock.frozen(sunday), pytest.raises(ValidationFailed):
        take(hall)
    with clock.frozen(MONDAY.replace(hour=21)), pytest.raises(ValidationFailed):
        take(hall)


def test_service_must_be_served_at_the_centre(hall, monday) -> None:
    from tests import factories

    stranger = factories.ServiceFactory()
    with pytest.raises(ValidationFailed):
        take(hall, service=stranger)


def test_call_next_needs_the_operator_at_the_counter_and_a_free_counter(hall, monday) -> None:
    take(hall, 0)
    take(hall, 1)
    with pytest.raises(Conflict):
        actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[1])
    actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])
    with pytest.raises(Conflict):
        actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])


def test_call_next_returns_none_when_nobody_waits(hall, monday) -> None:
    assert actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0]) is None


def test_no_show_and_transfer_keep_rank(hall, monday) -> None:
    first = take(hall, 0)
    with clock.frozen(MONDAY + dt.timedelta(minutes=5)):
        take(hall, 1, service=hall.other_service)
    op, window = hall.operators[0], hall.windows[0]
    called = actions.ticket_call_next(counter=window, operator=op)
    assert called.pk == first.pk
    actions.ticket_start(ticket=called, operator=op)
    moved = actions.ticket_transfer(ticket=called, operator=op, service=hall.other_service, reason="wrong queue")
    assert moved.status == TicketStatus.WAITING and moved.service == hall.other_service
    again = actions.ticket_call_next(counter=window, operator=op)
    assert again.pk == first.pk  # arrived earlier, so still first in the other queue
    gone = actions.ticket_no_show(ticket=again, operator=op)
    assert gone.status == TicketStatus.NO_SHOW
    assert_history_is_consistent(gone)
    kinds = list(gone.events.values_list("kind", flat=True))
    assert kinds == ["issued", "called", "started", "transferred", "called", "no_show"]


def test_transfer_to_a_counter_only_that_counter_calls_it(hall, monday) -> None:
    ticket = take(hall, 0)
    op = hall.operators[0]
    called = actions.ticket_call_next(counter=hall.windows[0], operator=op)
    actions.ticket_transfer(ticket=called, operator=op, counter=hall.windows[2])
    assert actions.ticket_call_next(counter=hall.windows[1], operator=hall.operators[1]) is None
    assert actions.ticket_call_next(counter=hall.windows[2], operator=hall.operators[2]).pk == ticket.pk


def test_consultant_desk_serves_consultations_only(hall, monday) -> None:
    from tests import factories

    consultant = factories.staff("consultant", centre_id=hall.centre.pk)
    actions.counter_sign_in(counter=hall.consultant_desk, operator=consultant)
    take(hall, 0)
    k = actions.ticket_issue(centre=hall.centre, kind=TicketKind.CONSULTATION)
    assert actions.ticket_call_next(counter=hall.consultant_desk, operator=consultant).pk == k.pk
    assert actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0]).kind == "application"


def test_sms_when_three_places_away(hall, monday, django_capture_on_commit_callbacks) -> None:
    tickets = [take(hall, n) for n in range(6)]
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])
    texted = set(Notification.objects.filter(topic="queue.near_front").values_list("recipient_iin", flat=True))
    assert texted == {t.iin for t in tickets[1:4]}
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_call_next(counter=hall.windows[1], operator=hall.operators[1])
    assert Notification.objects.filter(topic="queue.near_front").count() == 4  # once per ticket


def test_position_and_estimated_wait(hall, monday) -> None:
    tickets = [take(hall, n) for n in range(5)]
    figures = selectors.ticket_position(tickets[4])
    assert figures["position"] == 5 and figures["ahead"] == 4
    # four staffed windows serve the service; 15 minutes each on average
    assert figures["wait_minutes"] == 15


def test_queue_close_day_cancels_waiting(hall, monday) -> None:
    take(hall, 0)
    take(hall, 1)
    assert actions.queue_close_day(centre=hall.centre) == {"cancelled": 2, "lapsed": 0}
    assert actions.queue_close_day(centre=hall.centre) == {"cancelled": 0, "lapsed": 0}
    assert not Ticket.objects.filter(status=TicketStatus.WAITING).exists()


def test_priority_declared_and_proof_recorded(hall, monday) -> None:
    t = take(hall, 0, priority=Priority.PREGNANT)
    called = actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])
    assert called.pk == t.pk
    actions.ticket_start(ticket=called, operator=hall.operators[0], priority_proof_checked=True)
    assert called.events.get(kind="started").payload == {"priority_proof_checked": True}
    with pytest.raises(ValidationFailed):
        take(hall, 1, priority="vip")


def test_board_shows_calls_without_personal_data(hall, monday) -> None:
    t = take(hall, 0)
    actions.ticket_call_next(counter=hall.windows[1], operator=hall.operators[1])
    data = selectors.board(centre=hall.centre)
    assert data["calls"][0]["number"] == t.number and data["calls"][0]["counter"] == 2
    assert t.iin not in str(data)
    assert set(data["calls"][0]["announce"]) == {"kk", "ru"}


def test_ticket_not_found_in_other_centre_selector(hall, monday) -> None:
    t = take(hall, 0)
    with pytest.raises(NotFound):
        selectors.ticket_get(ticket_id=t.pk, viewer=hall.other_operator)
    assert selectors.ticket_get(ticket_id=t.pk, viewer=hall.operators[0]).pk == t.pk


def test_sweep_closes_finished_days_only(hall) -> None:
    from tereze.centres.tasks import queue_sweep

    with clock.frozen(MONDAY):
        take(hall, 0)
        assert queue_sweep() == {"cancelled": 0, "lapsed": 0}  # open: today's queue stays
    with clock.frozen(MONDAY.replace(hour=20, minute=30)):
        assert queue_sweep() == {"cancelled": 1, "lapsed": 0}
        assert queue_sweep() == {"cancelled": 0, "lapsed": 0}
