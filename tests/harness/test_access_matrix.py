"""The access matrix: for every object endpoint, every role that must not see or change the object
tries to, including by guessing numbers. All are refused, with 404 where existence itself is private
(a stranger cannot tell a real number from a guessed one), and nothing changes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tereze.api import api
from tereze.applications.models import Application, ApplicationEvent
from tereze.centres.models import Appointment, AppointmentEvent, Counter, Shift, Ticket, TicketEvent
from tereze.core.models import User
from tests import factories
from tests.applications.helpers import api_client, submit
from tests.harness.conftest import GUESS, Hall

pytestmark = pytest.mark.django_db

# Every path under /api/v1 that names one object, and how this test covers it. A new object endpoint
# fails test_every_object_endpoint_is_in_the_matrix until its access rules are added here.
PUBLIC = {"/api/v1/services/{code}"}  # the register of services is public by law
APPLICATION_ENDPOINTS = {
    ("get", "/api/v1/applications/{number}"): None,
    ("post", "/api/v1/applications/{number}/decision"): {"decision": "approve", "reason": "all documents in order"},
    ("post", "/api/v1/applications/{number}/reassign"): {"reason": "the official is on leave this week"},
    ("post", "/api/v1/applications/{number}/withdraw"): None,
}
PAGES = ["/staff/applications/{number}/", "/applications/{number}/receipt/", "/applications/{number}/result.pdf"]

# Who may do what to an application filed by world.operator for world.applicant (assigned to one official).
# Everyone else gets 404 for everything; allowed viewers get 403/409/422 for actions not theirs.
STRANGERS = ["other_citizen", "other_operator", "other_body_official", "other_official", "analyst",
             "standards_owner", "business", "other_centre_supervisor"]


def _users(world: Any, application: Application) -> dict[str, User]:
    other_official = next(o for o in world.officials if o.pk != application.assignee_id)
    other_body = world.other_body_official.body_id
    business_iin = factories.new_iin()
    return {
        "other_citizen": world.other_citizen,
        "other_operator": world.other_operator,
        "other_body_official": world.other_body_official,
        "other_official": other_official,
        "analyst": factories.staff("analyst"),
        "standards_owner": factories.staff("standards_owner", body_id=other_body),
        "business": User.objects.create(username=f"biz-{business_iin}", role="business", bin=None),
        "other_centre_supervisor": factories.staff("centre_supervisor", centre_id=world.other_centre.pk),
    }


def _snapshot(application: Application) -> tuple[str, int | None, int]:
    application.refresh_from_db()
    return application.status, application.assignee_id, ApplicationEvent.objects.filter(
        application=application).count()


def _call(client: Client, method: str, path: str, body: Any) -> Any:
    if method == "get":
        return client.get(path)
    return client.post(path, body or {}, content_type="application/json")


def test_every_object_endpoint_is_in_the_matrix() -> None:
    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    object_endpoints = {(method, path) for path, operations in paths.items() if "{" in path
                        for method in operations if path not in PUBLIC}
    covered = set(APPLICATION_ENDPOINTS) | set(CENTRE_ENDPOINTS) | set(CENTRE_PUBLIC_ENDPOINTS)
    assert object_endpoints == covered, (
        "an object endpoint is missing from the access matrix: add its rules to tests/harness/test_access_matrix.py")


@pytest.mark.parametrize("who", STRANGERS)
def test_strangers_get_404_on_every_endpoint_and_change_nothing(world: Any, who: str) -> None:
    application = submit(world)
    user = _users(world, application)[who]
    before = _snapshot(application)
    client = api_client(user)
    for (method, path), body in APPLICATION_ENDPOINTS.items():
        real = _call(client, method, path.format(number=application.number), body)
        guessed_number = f"{world.service.code}-{application.number.split('-')[1]}-{secrets.token_hex(4).upper()}"
        guessed = _call(client, method, path.format(number=guessed_number), body)
        assert real.status_code == 404, (who, method, path, real.status_code, real.content)
        assert guessed.status_code == 404, (who, method, path, guessed.status_code)
        # the refusal says the same for a real and a guessed number: existence is private
        assert real.json()["detail"].replace(application.number, "N") == \
            guessed.json()["detail"].replace(guessed_number, "N")
    assert _snapshot(application) == before


@pytest.mark.parametrize("who", STRANGERS)
def test_strangers_cannot_open_the_pages(world: Any, who: str) -> None:
    application = submit(world)
    user = _users(world, application)[who]
    client = Client()
    client.force_login(user)
    for page in PAGES:
        response = client.get(page.format(number=application.number))
        guessed = client.get(page.format(number=application.number[:-4] + "ZZZZ"))
        staff_page = page.startswith("/staff/")
        # citizens and roles without staff pages are turned away by role (403), which says nothing
        # about the application; everyone else is told it does not exist
        assert response.status_code in ((403, 404) if staff_page else (404,)), (who, page, response.status_code)
        assert guessed.status_code == response.status_code, (who, page)
        assert application.applicant_iin not in response.content.decode()


def test_anonymous_is_refused_everywhere(world: Any) -> None:
    application = submit(world)
    client = Client()
    for (method, path), body in APPLICATION_ENDPOINTS.items():
        response = _call(client, method, path.format(number=application.number), body)
        assert response.status_code == 401, (method, path)
        assert "detail" in response.json()
    assert client.get("/api/v1/applications/" + application.number,
                      HTTP_AUTHORIZATION="Bearer not-a-real-token").status_code == 401
    for page in PAGES:
        response = client.get(page.format(number=application.number))
        sign_in = "/staff/login/" if page.startswith("/staff/") else "/signin/"  # applicants' pages: citizen sign-in
        assert response.status_code == 302 and response["Location"].startswith(sign_in), page


@pytest.mark.parametrize(("who", "method", "path", "status"), [
    ("citizen", "post", "/api/v1/applications/{number}/decision", 403),
    ("citizen", "post", "/api/v1/applications/{number}/reassign", 403),
    ("operator", "post", "/api/v1/applications/{number}/decision", 403),
    ("operator", "post", "/api/v1/applications/{number}/reassign", 403),
    ("operator", "post", "/api/v1/applications/{number}/withdraw", 403),
    ("supervisor", "post", "/api/v1/applications/{number}/decision", 403),
    ("supervisor", "post", "/api/v1/applications/{number}/withdraw", 403),
    ("auditor", "post", "/api/v1/applications/{number}/decision", 403),
    ("auditor", "post", "/api/v1/applications/{number}/reassign", 403),
    ("auditor", "post", "/api/v1/applications/{number}/withdraw", 403),
])
def test_those_who_may_see_may_not_act_out_of_role(world: Any, who: str, method: str, path: str,
                                                     status: int) -> None:
    application = submit(world)
    before = _snapshot(application)
    body = APPLICATION_ENDPOINTS[(method, path)]
    response = _call(api_client(getattr(world, who)), method, path.format(number=application.number), body)
    assert response.status_code == status, response.content
    assert "detail" in response.json()
    assert _snapshot(application) == before


@pytest.mark.parametrize("who", ["citizen", "operator", "supervisor", "auditor", "assignee"])
def test_those_entitled_do_see_it(world: Any, who: str) -> None:
    application = submit(world)
    user = application.assignee if who == "assignee" else getattr(world, who)
    assert api_client(user).get(f"/api/v1/applications/{application.number}").status_code == 200


# ---------------------------------------------------------------- the centres API (electronic queue)
#
# A hall on a Monday morning: operator at window 1 has called the holder's ticket, a colleague at window 2
# is serving another, windows 3 and 4 are staffed and idle, one ticket waits; the holder has a booking
# tomorrow and another visitor a booking due in half an hour. Staff act on their own centre only (to other
# centres' staff, bodies and citizens its queue, counters and tickets do not exist: 404); roles that see
# every centre (analyst, auditor) and roles refused whatever the object (citizens, officials taking tickets)
# are refused by role (403); anonymous callers get 401. Nothing changes on a refusal. (The hall: conftest.py.)

@dataclass(frozen=True)
class Rule:
    """Who may call an endpoint on the hall's object (and the success status), who is refused and how."""

    target: Callable[[Hall], dict[str, Any]]
    allowed: dict[str, int]
    refused: dict[str, int]
    body: Callable[[Hall], Any] | None = None
    private: bool = True  # a refusal by 404 reads the same for a real and a guessed id


OTHERS_404 = {"other_operator": 404, "other_manager": 404, "official": 404, "holder": 404,
              "other_citizen": 404, "analyst": 403, "auditor": 403, "anonymous": 401}
NOT_STAFF_403 = {"other_operator": 404, "other_manager": 404, "official": 403, "holder": 403,
                 "other_citizen": 403, "analyst": 403, "auditor": 403, "anonymous": 401}
REASON = "Wheelchair user, documents checked by the manager"

CENTRE_ENDPOINTS: dict[tuple[str, str], Rule] = {
    ("post", "/api/v1/centres/{centre_id}/tickets"): Rule(
        target=lambda h: {"centre_id": h.centre.pk},
        body=lambda h: {"service_code": h.service.code, "iin": h.newcomer_iin},
        allowed={"operator": 201, "manager": 201}, refused=NOT_STAFF_403),
    ("post", "/api/v1/centres/{centre_id}/check-in"): Rule(
        target=lambda h: {"centre_id": h.centre.pk}, body=lambda h: {"code": h.due.code, "iin": h.due.iin},
        allowed={"operator": 201, "manager": 201}, refused=NOT_STAFF_403),
    ("post", "/api/v1/counters/{counter_id}/call-next"): Rule(
        target=lambda h: {"counter_id": h.windows[2].pk}, allowed={"idle_operator": 200},
        refused={**OTHERS_404, "operator": 409, "manager": 409}),  # a colleague's counter: sign in there first
    ("post", "/api/v1/counters/{counter_id}/sign-in"): Rule(
        target=lambda h: {"counter_id": h.desk.pk}, allowed={"idle_operator": 204, "manager": 204},
        refused={**OTHERS_404, "operator": 409}),  # a ticket in hand: finish or transfer it first
    ("post", "/api/v1/tickets/{ticket_id}/start"): Rule(
        target=lambda h: {"ticket_id": h.called.pk}, body=lambda h: {"priority_proof_checked": True},
        allowed={"operator": 200, "manager": 200}, refused={**OTHERS_404, "idle_operator": 409}),
    ("post", "/api/v1/tickets/{ticket_id}/finish"): Rule(
        target=lambda h: {"ticket_id": h.serving.pk}, allowed={"colleague": 200, "manager": 200},
        refused={**OTHERS_404, "operator": 409, "idle_operator": 409}),
    ("post", "/api/v1/tickets/{ticket_id}/no-show"): Rule(
        target=lambda h: {"ticket_id": h.called.pk}, allowed={"operator": 200, "manager": 200},
        refused={**OTHERS_404, "idle_operator": 409}),
    ("post", "/api/v1/tickets/{ticket_id}/recall"): Rule(
        target=lambda h: {"ticket_id": h.called.pk}, allowed={"operator": 200, "manager": 200},
        refused={**OTHERS_404, "idle_operator": 409}),
    ("post", "/api/v1/tickets/{ticket_id}/transfer"): Rule(
        target=lambda h: {"ticket_id": h.called.pk},
        body=lambda h: {"service_code": h.other_service.code, "reason": "needs the transport window"},
        allowed={"operator": 200, "manager": 200}, refused={**OTHERS_404, "idle_operator": 409}),
    ("post", "/api/v1/tickets/{ticket_id}/call-out-of-turn"): Rule(
        target=lambda h: {"ticket_id": h.waiting.pk}, body=lambda h: {"counter_id": h.windows[3].pk,
                                                                      "reason": REASON},
        allowed={"manager": 200}, refused={**OTHERS_404, "operator": 403, "idle_operator": 403}),
    ("post", "/api/v1/centres/{centre_id}/appointments"): Rule(
        target=lambda h: {"centre_id": h.centre.pk},
        body=lambda h: {"service_code": h.other_service.code, "iin": h.booking.iin,
                        "slot_start": h.free_slot.isoformat()},
        allowed={"holder": 201, "operator": 201, "manager": 201},
        # the register of centres is public (the board, the booking page): no secret to keep here
        refused=NOT_STAFF_403, private=False),
    ("post", "/api/v1/appointments/{appointment_id}/cancel"): Rule(
        target=lambda h: {"appointment_id": h.booking.pk}, allowed={"holder": 200, "operator": 200, "manager": 200},
        refused=OTHERS_404),
}
# Public by design (they stand in the hall or are printed on the ticket), carry no personal data, and
# answer 404 for a guessed centre or code.
CENTRE_PUBLIC_ENDPOINTS: dict[tuple[str, str], Callable[[Hall], dict[str, Any]]] = {
    ("get", "/api/v1/tickets/by-code/{code}"): lambda h: {"code": h.called.code},
    ("get", "/api/v1/centres/{centre_id}/board"): lambda h: {"centre_id": h.centre.pk},
    ("get", "/api/v1/centres/{centre_id}/slots"): lambda h: {"centre_id": h.centre.pk},
}
# a role both listed as refused by default and allowed here (the holder cancelling their own booking) is allowed
CENTRE_ROWS = [(key, who, status) for key, rule in CENTRE_ENDPOINTS.items() for who, status in rule.refused.items()
               if who not in rule.allowed]
ALLOWED_ROWS = [(key, who, status) for key, rule in CENTRE_ENDPOINTS.items() for who, status in rule.allowed.items()]


def _row_id(row: tuple[tuple[str, str], str, int]) -> str:
    (method, path), who, status = row
    return f"{method} {path.removeprefix('/api/v1/')} as {who} -> {status}"


def _hall_state(hall: Hall) -> tuple[Any, ...]:
    return (sorted(Ticket.objects.values_list("pk", "status", "counter_id", "service_id", "recalls")),
            sorted(Counter.objects.values_list("pk", "operator_id")),
            sorted(Appointment.objects.values_list("pk", "status")),
            TicketEvent.objects.count(), AppointmentEvent.objects.count(), Shift.objects.count())


def _hall_client(hall: Hall, who: str) -> Client:
    return Client() if who == "anonymous" else api_client(hall.users[who])


def _hall_call(hall: Hall, client: Client, method: str, path: str, rule: Rule, **ids: Any) -> Any:
    body = rule.body(hall) if rule.body else None
    return _call(client, method, path.format(**{**rule.target(hall), **ids}), body)


def test_every_centres_endpoint_has_rules_for_every_role() -> None:
    roles = set(OTHERS_404) | {"operator", "manager"}
    for key, rule in CENTRE_ENDPOINTS.items():
        assert roles <= set(rule.refused) | set(rule.allowed), (key, roles - set(rule.refused) - set(rule.allowed))
        assert all(200 <= status < 300 for status in rule.allowed.values()), key


@pytest.mark.parametrize("row", CENTRE_ROWS, ids=_row_id)
def test_centres_strangers_are_refused_and_change_nothing(hall: Hall, row: tuple[tuple[str, str], str, int]) -> None:
    (method, path), who, status = row
    rule = CENTRE_ENDPOINTS[(method, path)]
    before = _hall_state(hall)
    client = _hall_client(hall, who)
    real = _hall_call(hall, client, method, path, rule)
    assert real.status_code == status, (who, method, path, real.status_code, real.content)
    assert isinstance(real.json()["detail"], str) and real.json()["detail"]
    for secret in (hall.booking.iin, hall.due.iin, hall.called.iin, hall.booking.code, hall.due.code):
        assert secret not in real.content.decode(), (who, path, secret)
    if status == 404 and rule.private:
        # a guessed id is told exactly the same: the refusal does not say whether the object exists
        name = next(iter(rule.target(hall)))
        real_id = rule.target(hall)[name]
        guessed = _hall_call(hall, client, method, path, rule, **{name: GUESS + secrets.randbelow(GUESS)})
        assert guessed.status_code == 404, (who, method, path, guessed.status_code)
        guessed_id = guessed.request["PATH_INFO"].split("/")[4]
        assert real.json()["detail"].replace(str(real_id), "N") == guessed.json()["detail"].replace(guessed_id, "N")
    assert _hall_state(hall) == before


@pytest.mark.parametrize("row", ALLOWED_ROWS, ids=_row_id)
def test_centres_the_entitled_succeed_and_guessed_ids_are_404(hall: Hall,
                                                              row: tuple[tuple[str, str], str, int]) -> None:
    (method, path), who, status = row
    rule = CENTRE_ENDPOINTS[(method, path)]
    client = _hall_client(hall, who)
    name = next(iter(rule.target(hall)))
    before = _hall_state(hall)
    guessed = _hall_call(hall, client, method, path, rule, **{name: GUESS + secrets.randbelow(GUESS)})
    assert guessed.status_code == 404, (who, method, path, guessed.status_code, guessed.content)
    assert _hall_state(hall) == before
    response = _hall_call(hall, client, method, path, rule)
    assert response.status_code == status, (who, method, path, response.status_code, response.content)
    assert _hall_state(hall) != before


def test_centres_ids_in_the_body_are_checked_too(hall: Hall) -> None:
    """A counter of another centre named in the body is as unknown as one in the path."""
    before = _hall_state(hall)
    operator, manager = api_client(hall.users["operator"]), api_client(hall.users["manager"])
    other_manager = api_client(hall.users["other_manager"])
    for client, path, body in [
        (operator, f"/api/v1/tickets/{hall.called.pk}/transfer", {"counter_id": hall.other_window.pk}),
        (operator, f"/api/v1/tickets/{hall.called.pk}/transfer", {"counter_id": GUESS}),
        (manager, f"/api/v1/tickets/{hall.waiting.pk}/call-out-of-turn",
         {"counter_id": hall.other_window.pk, "reason": REASON}),
        (manager, f"/api/v1/tickets/{hall.waiting.pk}/call-out-of-turn", {"counter_id": GUESS, "reason": REASON}),
        (other_manager, f"/api/v1/tickets/{hall.waiting.pk}/call-out-of-turn",
         {"counter_id": hall.other_window.pk, "reason": REASON}),
    ]:
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 404, (path, body, response.status_code, response.content)
    assert _hall_state(hall) == before


@pytest.mark.parametrize("who", [*OTHERS_404, "operator"])
@pytest.mark.parametrize("key", list(CENTRE_PUBLIC_ENDPOINTS))
def test_centres_public_endpoints_show_no_personal_data(hall: Hall, key: tuple[str, str], who: str) -> None:
    method, path = key
    client = _hall_client(hall, who)
    query = f"?service={hall.service.code}&date=2026-11-24" if path.endswith("/slots") else ""
    ids = CENTRE_PUBLIC_ENDPOINTS[key](hall)
    response = client.get(path.format(**ids) + query)
    assert response.status_code == 200, (who, path, response.content)
    text = response.content.decode()
    for secret in (hall.called.iin, hall.serving.iin, hall.waiting.iin, hall.booking.code, hall.due.code,
                   hall.users["operator"].username):
        assert secret not in text, (path, secret)
    name = next(iter(ids))
    guessed = client.get(path.format(**{name: GUESS if name != "code" else secrets.token_hex(6).upper()}) + query)
    assert guessed.status_code == 404 and guessed.json()["detail"], (who, path, guessed.status_code)
