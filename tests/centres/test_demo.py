import datetime as dt

from tereze.centres import selectors
from tereze.centres.demo import load_queue_history
from tereze.centres.models import Ticket, TicketEvent
from tereze.centres.states import TRANSITIONS, TicketStatus
from tereze.core import clock
from tests import factories
from tests.centres.conftest import MONDAY


def test_queue_history_is_consistent_and_shows_a_live_day(db) -> None:
    for category in ("property", "transport", "tax"):
        factories.make_standard(factories.ServiceFactory(category=category))
    centres = [factories.CentreFactory() for _ in range(2)]
    for centre in centres:
        for _ in range(2):
            factories.staff("operator", centre_id=centre.pk)
        factories.staff("centre_manager", centre_id=centre.pk)
    people = [factories.person() for _ in range(80)]
    afternoon = MONDAY.replace(hour=15)
    with clock.frozen(afternoon):
        made = load_queue_history(centres=centres, people=people, days=[dt.date(2026, 11, 20),
                                                                        dt.date(2026, 11, 21)])
    assert made == Ticket.objects.count() > 200
    for ticket in Ticket.objects.all():
        state = ""
        for event in TicketEvent.objects.filter(ticket=ticket).order_by("at", "id"):
            assert event.from_status == state, (ticket.number, event.kind)
            assert state == "" or event.to_status in TRANSITIONS[state] or event.kind == "recalled"
            state = event.to_status
        assert state == ticket.status
    past = Ticket.objects.filter(day=dt.date(2026, 11, 20))
    assert not past.filter(status__in=[TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING]).exists()
    assert past.filter(status=TicketStatus.DONE).count() > 50
    with clock.frozen(afternoon):
        rows = selectors.situation(viewer=factories.staff("analyst"))
    assert len(rows) == 2 and all(r["served"] > 0 for r in rows)
