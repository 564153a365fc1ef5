"""The access matrix: for every object endpoint, every role that must not see or change the object
tries to, including by guessing numbers. All are refused, with 404 where existence itself is private
(a stranger cannot tell a real number from a guessed one), and nothing changes."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client

from tereze.api import api
from tereze.applications.models import Application, ApplicationEvent
from tereze.core.models import User
from tests import factories
from tests.applications.helpers import api_client, submit

pytestmark = pytest.mark.django_db

# Every path under /api/v1 that names one object, and how this test covers it. A new object endpoint
# fails test_every_object_endpoint_is_in_the_matrix until its access rules are added here.
PUBLIC = {"/api/v1/services/{code}"}  # the register of services is public by law
# Centres endpoints (tickets, counters, appointments) landed after this matrix; their rows belong to the
# centres module's access rules and are listed here so that any *further* endpoint fails the test.
NOT_YET_IN_MATRIX = {
    ("post", "/api/v1/centres/{centre_id}/tickets"), ("post", "/api/v1/centres/{centre_id}/check-in"),
    ("post", "/api/v1/counters/{counter_id}/call-next"), ("post", "/api/v1/counters/{counter_id}/sign-in"),
    ("post", "/api/v1/tickets/{ticket_id}/start"), ("post", "/api/v1/tickets/{ticket_id}/finish"),
    ("post", "/api/v1/tickets/{ticket_id}/no-show"), ("post", "/api/v1/tickets/{ticket_id}/recall"),
    ("post", "/api/v1/tickets/{ticket_id}/transfer"), ("post", "/api/v1/tickets/{ticket_id}/call-out-of-turn"),
    ("get", "/api/v1/tickets/by-code/{code}"), ("get", "/api/v1/centres/{centre_id}/board"),
    ("get", "/api/v1/centres/{centre_id}/slots"), ("post", "/api/v1/centres/{centre_id}/appointments"),
    ("post", "/api/v1/appointments/{appointment_id}/cancel"),
}
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
    assert object_endpoints - NOT_YET_IN_MATRIX == set(APPLICATION_ENDPOINTS), (
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
