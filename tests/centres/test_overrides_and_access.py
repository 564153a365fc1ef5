import pytest

from tereze.centres import actions, selectors
from tereze.centres.states import TicketStatus
from tereze.core.errors import Forbidden, NotFound, ValidationFailed
from tereze.core.models import AuditEntry
from tests import factories


def take(hall, n, centre=None, service=None):
    return actions.ticket_issue(centre=centre or hall.centre, service=service or hall.service,
                                iin=hall.people[n].iin)


def test_override_needs_a_reason_and_is_reported(hall, monday) -> None:
    first, second, third = take(hall, 0), take(hall, 1), take(hall, 2)
    with pytest.raises(ValidationFailed):
        actions.ticket_call_out_of_turn(ticket=third, counter=hall.windows[0], manager=hall.manager, reason="x")
    called = actions.ticket_call_out_of_turn(ticket=third, counter=hall.windows[0], manager=hall.manager,
                                             reason="Wheelchair user, documents checked by the manager")
    assert called.status == TicketStatus.CALLED and called.out_of_turn
    event = called.events.get(kind="called_out_of_turn")
    assert event.payload["jumped"] == [first.number, second.number] and event.actor == hall.manager
    assert AuditEntry.objects.filter(action="ticket.called_out_of_turn", actor=hall.manager).exists()
    report = selectors.overrides_report(viewer=hall.analyst)
    assert report["per_centre"] == [{"centre__code": hall.centre.code, "n": 1}]
    assert report["per_manager"][0]["actor__username"] == hall.manager.username
    live = selectors.centre_live(centre=hall.centre)
    assert live["overrides"][0]["reason"].startswith("Wheelchair")


def test_operators_cannot_override(hall, monday) -> None:
    t = take(hall, 0)
    with pytest.raises(Forbidden):
        actions.ticket_call_out_of_turn(ticket=t, counter=hall.windows[0], manager=hall.operators[0],
                                        reason="my friend is in a hurry today")


def test_manager_of_another_centre_cannot_override(hall, monday) -> None:
    t = take(hall, 0)
    stranger = factories.staff("centre_manager", centre_id=hall.other_centre.pk)
    with pytest.raises(NotFound):
        actions.ticket_call_out_of_turn(ticket=t, counter=hall.windows[0], manager=stranger,
                                        reason="Serving out of turn for a good reason")


def test_operator_of_one_centre_cannot_act_on_anothers_queue(hall, monday) -> None:
    t = take(hall, 0)
    with pytest.raises(NotFound):
        actions.counter_sign_in(counter=hall.windows[0], operator=hall.other_operator)
    with pytest.raises(NotFound):
        actions.ticket_call_next(counter=hall.windows[0], operator=hall.other_operator)
    called = actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])
    for act in (actions.ticket_start, actions.ticket_no_show, actions.ticket_recall, actions.ticket_finish):
        with pytest.raises(NotFound):
            act(ticket=called, operator=hall.other_operator)
    with pytest.raises(NotFound):
        selectors.centre_get(centre_id=hall.centre.pk, viewer=hall.other_operator)
    with pytest.raises(NotFound):
        selectors.counter_get(counter_id=hall.windows[0].pk, viewer=hall.other_operator)
    assert t.pk == called.pk


def test_citizens_see_no_centre_internals(hall, monday) -> None:
    citizen = factories.citizen(hall.people[0])
    with pytest.raises(NotFound):
        selectors.centre_get(centre_id=hall.centre.pk, viewer=citizen)
    assert selectors.situation(viewer=citizen) == []
    assert len(selectors.situation(viewer=hall.analyst)) == 2


def test_operator_sees_no_name_before_calling(hall, monday) -> None:
    t = take(hall, 0)
    before = selectors.caller_view(t, viewer=hall.operators[0])
    assert before["iin"] == "" and before["name"] == ""
    called = actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])
    after = selectors.caller_view(called, viewer=hall.operators[0])
    assert after["iin"] == t.iin and after["name"]
    assert AuditEntry.objects.filter(action="personal_data.view", subject_iin=t.iin).count() == 1


def test_situation_and_manager_figures(hall, monday) -> None:
    import datetime as dt

    from tereze.core import clock
    from tests.centres.conftest import MONDAY

    tickets = [take(hall, n) for n in range(6)]
    take(hall, 0, centre=hall.other_centre)
    op, window = hall.operators[0], hall.windows[0]
    for minute, _ in enumerate(tickets[:5]):
        with clock.frozen(MONDAY + dt.timedelta(minutes=10 * minute + 1)):
            t = actions.ticket_call_next(counter=window, operator=op)
            actions.ticket_start(ticket=t, operator=op)
        with clock.frozen(MONDAY + dt.timedelta(minutes=10 * minute + 9)):
            actions.ticket_finish(ticket=t, operator=op)
    with clock.frozen(MONDAY + dt.timedelta(minutes=60)):
        rows = {r["centre"].pk: r for r in selectors.situation(viewer=hall.analyst)}
        live = selectors.centre_live(centre=hall.centre)
    mine = rows[hall.centre.pk]
    assert mine["waiting"] == 1 and mine["served"] == 5 and mine["avg_service"] == 8.0
    assert mine["longest_wait"] == 60.0
    assert rows[hall.other_centre.pk]["waiting"] == 1
    assert live["operators"][0]["served"] == 5
    assert live["lines"][0].waiting == 1 and live["lines"][0].avg_service == 8.0


def test_flags_outlier_service_time_and_called_not_served(hall, monday) -> None:
    import datetime as dt

    from tereze.core import clock
    from tests.centres.conftest import MONDAY

    op, window = hall.operators[0], hall.windows[0]
    for n in range(10):
        take(hall, n)
    minute = 0
    for length in (5, 5, 5, 5, 5, 40):
        with clock.frozen(MONDAY + dt.timedelta(minutes=minute)):
            t = actions.ticket_call_next(counter=window, operator=op)
            actions.ticket_start(ticket=t, operator=op)
        minute += length
        with clock.frozen(MONDAY + dt.timedelta(minutes=minute)):
            actions.ticket_finish(ticket=t, operator=op)
    for _ in range(4):
        with clock.frozen(MONDAY + dt.timedelta(minutes=minute)):
            t = actions.ticket_call_next(counter=window, operator=op)
            actions.ticket_no_show(ticket=t, operator=op)
    with clock.frozen(MONDAY + dt.timedelta(minutes=minute + 1)):
        kinds = {f["kind"] for f in selectors.centre_live(centre=hall.centre)["flags"]}
    assert kinds == {"outlier", "called_not_served"}
