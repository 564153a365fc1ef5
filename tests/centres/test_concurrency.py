"""Two operators pressing call-next at the same moment never get the same ticket (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from tereze.centres import actions
from tereze.centres.models import Ticket
from tereze.core import clock
from tests.centres.conftest import MONDAY

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SELECT ... FOR UPDATE SKIP LOCKED needs PostgreSQL")


def test_concurrent_call_next_never_hands_out_a_ticket_twice(hall) -> None:
    with clock.frozen(MONDAY):
        for n in range(12):
            actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[n].iin)
    called: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(hall.windows))

    def operate(index: int) -> None:
        try:
            with clock.frozen(MONDAY):
                barrier.wait()
                while True:
                    ticket = actions.ticket_call_next(counter=hall.windows[index], operator=hall.operators[index])
                    if ticket is None:
                        return
                    called.append(ticket.pk)
                    actions.ticket_no_show(ticket=ticket, operator=hall.operators[index])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=operate, args=(i,)) for i in range(len(hall.windows))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(called) == len(set(called)) == 12
    assert Ticket.objects.filter(status="no_show").count() == 12
