import datetime as dt

import pytest
from django.test import Client

from tereze.centres import actions
from tereze.centres.models import Ticket
from tereze.core import clock
from tests.applications.helpers import api_client
from tests.centres.conftest import MONDAY


def test_api_takes_calls_and_finishes_a_ticket(hall, monday) -> None:
    operator = hall.operators[0]
    client = api_client(operator)
    response = client.post(f"/api/v1/centres/{hall.centre.pk}/tickets", {
        "service_code": hall.service.code, "iin": hall.people[0].iin}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "D-001" and body["position"] == 1
    again = client.post(f"/api/v1/centres/{hall.centre.pk}/tickets", {
        "service_code": hall.service.code, "iin": hall.people[0].iin}, content_type="application/json")
    assert again.status_code == 409
    called = client.post(f"/api/v1/counters/{hall.windows[0].pk}/call-next")
    assert called.status_code == 200 and called.json()["counter"] == 1
    ticket_id = called.json()["id"]
    assert client.post(f"/api/v1/tickets/{ticket_id}/start", {}, content_type="application/json").status_code == 200
    assert client.post(f"/api/v1/tickets/{ticket_id}/finish").json()["status"] == "done"
    assert client.post(f"/api/v1/tickets/{ticket_id}/finish").status_code == 409
    assert client.post(f"/api/v1/counters/{hall.windows[0].pk}/call-next").status_code == 204


def test_api_access_other_centre_is_404(hall, monday) -> None:
    ticket = actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[0].iin)
    stranger = api_client(hall.other_operator)
    assert stranger.post(f"/api/v1/counters/{hall.windows[0].pk}/call-next").status_code == 404
    assert stranger.post(f"/api/v1/tickets/{ticket.pk}/no-show").status_code == 404
    assert stranger.post(f"/api/v1/centres/{hall.centre.pk}/tickets", {
        "service_code": hall.service.code, "iin": hall.people[1].iin}, content_type="application/json"
    ).status_code == 404
    assert Client().post(f"/api/v1/counters/{hall.windows[0].pk}/call-next").status_code == 401


def test_api_board_slots_and_booking(hall, monday) -> None:
    actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[0].iin)
    actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])
    board = Client().get(f"/api/v1/centres/{hall.centre.pk}/board").json()
    assert board["calls"][0]["number"] == "D-001" and board["calls"][0]["counter"] == 1
    slots = Client().get(f"/api/v1/centres/{hall.centre.pk}/slots",
                         {"service": hall.service.code, "date": "2026-11-24"}).json()
    assert len(slots) == 44
    from tests import factories

    citizen = factories.citizen(hall.people[3])
    response = api_client(citizen).post(f"/api/v1/centres/{hall.centre.pk}/appointments", {
        "service_code": hall.service.code, "iin": hall.people[3].iin, "slot_start": slots[0]["start"]},
        content_type="application/json")
    assert response.status_code == 201, response.content
    appointment = response.json()
    assert api_client(citizen).post(f"/api/v1/appointments/{appointment['id']}/cancel").json()["status"] == \
        "cancelled"
    assert api_client(citizen).post(f"/api/v1/centres/{hall.centre.pk}/appointments", {
        "service_code": hall.service.code, "iin": hall.people[4].iin, "slot_start": slots[0]["start"]},
        content_type="application/json").status_code == 403


def test_kiosk_page_issues_a_printable_ticket(hall, monday) -> None:
    client = Client()
    page = client.get(f"/centres/{hall.centre.pk}/kiosk/")
    assert page.status_code == 200 and hall.service.code in page.content.decode()
    response = client.post(f"/centres/{hall.centre.pk}/kiosk/", {
        "take": "1", "kind": "application", "service": hall.service.code, "iin": hall.people[0].iin,
        "priority": "none"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    page = client.get(response["Location"])
    assert ticket.number in page.content.decode() and hall.people[0].iin not in page.content.decode()
    bad = client.post(f"/centres/{hall.centre.pk}/kiosk/", {
        "take": "1", "kind": "application", "service": hall.service.code, "iin": "123", "priority": "none"})
    assert bad.status_code == 200 and Ticket.objects.count() == 1


def test_console_finish_opens_intake_for_the_citizen(hall, monday) -> None:
    ticket = actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[0].iin)
    client = Client()
    client.force_login(hall.operators[0])
    page = client.get("/staff/counter/")
    assert hall.people[0].iin not in page.content.decode()  # nobody is named before the call
    client.post("/staff/counter/", {"do": "call_next"})
    page = client.get("/staff/counter/").content.decode()
    assert ticket.number in page and hall.people[0].iin in page
    client.post("/staff/counter/", {"do": "start"})
    response = client.post("/staff/counter/", {"do": "finish"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/staff/intake/{hall.service.code}/?applicant={hall.people[0].iin}")


def test_manager_page_and_override_form(hall, monday) -> None:
    actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[0].iin)
    late = actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[1].iin)
    client = Client()
    client.force_login(hall.manager)
    page = client.get("/staff/centre/")
    assert page.status_code == 200 and "monitoring-purpose" in page.content.decode()
    response = client.post("/staff/centre/", {"number": late.number, "counter": hall.windows[0].pk,
                                              "reason": "Visitor with a small child, agreed by the hall"})
    assert response.status_code == 302
    assert late.number in client.get("/staff/centre/").content.decode()
    other = Client()
    other.force_login(hall.operators[0])
    assert other.get("/staff/centre/").status_code == 403


def test_situation_page_for_analysts_only(hall, monday) -> None:
    client = Client()
    client.force_login(hall.analyst)
    page = client.get("/staff/situation/")
    assert page.status_code == 200 and hall.centre.code in page.content.decode()
    citizen = Client()
    from tests import factories

    citizen.force_login(factories.citizen(hall.people[0]))
    assert citizen.get("/staff/situation/").status_code in (302, 403)


def test_citizen_sees_their_ticket_position(hall, monday) -> None:
    from tests import factories

    actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[1].iin)
    ticket = actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[0].iin)
    client = Client()
    client.force_login(factories.citizen(hall.people[0]))
    page = client.get("/queue/mine/").content.decode()
    assert ticket.number in page


@pytest.mark.parametrize("path", ["/centres/{id}/board/", "/centres/{id}/kiosk/"])
def test_hall_pages_are_public(hall, path) -> None:
    with clock.frozen(MONDAY + dt.timedelta(hours=1)):
        assert Client().get(path.format(id=hall.centre.pk)).status_code == 200


def test_queue_link_leads_each_role_to_its_page(hall) -> None:
    for user, target in ((hall.operators[0], "/staff/counter/"), (hall.manager, "/staff/centre/"),
                         (hall.analyst, "/staff/situation/")):
        client = Client()
        client.force_login(user)
        assert client.get("/staff/queue-home/")["Location"] == target


def test_api_same_idempotency_key_returns_the_same_ticket(hall, monday) -> None:
    client = api_client(hall.operators[0])
    consult = {"kind": "consultation"}
    first = client.post(f"/api/v1/centres/{hall.centre.pk}/tickets", consult, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="press-1")
    again = client.post(f"/api/v1/centres/{hall.centre.pk}/tickets", consult, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="press-1")
    other = client.post(f"/api/v1/centres/{hall.centre.pk}/tickets", consult, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="press-2")
    assert first.json()["id"] == again.json()["id"] != other.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 2


def test_situation_queries_do_not_grow_with_centres(hall, monday, django_assert_max_num_queries) -> None:
    from tereze.centres import selectors
    from tests import factories

    for _ in range(5):
        factories.CentreFactory()
    with django_assert_max_num_queries(10):
        rows = selectors.situation(viewer=hall.analyst)
    assert len(rows) == 7


def test_citizen_books_a_visit_on_the_portal_page(hall, monday) -> None:
    from tereze.centres.models import Appointment
    from tests import factories

    client = Client()
    client.force_login(factories.citizen(hall.people[0]))
    page = client.get(f"/centres/{hall.centre.pk}/book/", {"service": hall.service.code, "date": "2026-11-24"})
    assert page.status_code == 200 and page.content.decode().count('name="slot"') == 44
    slot = page.context["slots"][3].start.isoformat()
    response = client.post(f"/centres/{hall.centre.pk}/book/?date=2026-11-24",
                           {"service": hall.service.code, "slot": slot})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.iin == hall.people[0].iin and appointment.channel == "portal"
    assert appointment.code in client.get("/queue/mine/").content.decode()


def test_api_recall_transfer_and_check_in(hall, monday) -> None:
    client = api_client(hall.operators[0])
    actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[0].iin)
    called = client.post(f"/api/v1/counters/{hall.windows[0].pk}/call-next").json()
    assert client.post(f"/api/v1/tickets/{called['id']}/recall").status_code == 200
    moved = client.post(f"/api/v1/tickets/{called['id']}/transfer", {"counter_id": hall.windows[1].pk,
                                                                     "reason": "needs the notary window"},
                        content_type="application/json")
    assert moved.status_code == 200 and moved.json()["status"] == "waiting"
    assert client.post(f"/api/v1/tickets/{called['id']}/transfer", {}, content_type="application/json"
                       ).status_code == 422  # to where?
    assert client.post(f"/api/v1/tickets/{called['id']}/transfer", {"counter_id": hall.windows[2].pk},
                       content_type="application/json").status_code == 409  # waiting tickets stay put
    slot = MONDAY + dt.timedelta(minutes=30)
    with clock.frozen(MONDAY - dt.timedelta(days=1)):
        booking = actions.appointment_book(centre=hall.centre, service=hall.service, iin=hall.people[1].iin,
                                           slot_start=slot, actor=hall.operators[0], channel="phone")
    checked = client.post(f"/api/v1/centres/{hall.centre.pk}/check-in",
                          {"code": booking.code, "iin": hall.people[1].iin}, content_type="application/json")
    assert checked.status_code == 201 and checked.json()["wait_minutes"] >= 30


def test_operator_cannot_change_counters_with_a_ticket_in_hand(hall, monday) -> None:
    from tereze.core.errors import Conflict

    actions.ticket_issue(centre=hall.centre, service=hall.service, iin=hall.people[0].iin)
    actions.ticket_call_next(counter=hall.windows[0], operator=hall.operators[0])
    with pytest.raises(Conflict):
        actions.counter_sign_in(counter=hall.consultant_desk, operator=hall.operators[0])
