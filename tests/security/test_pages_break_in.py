"""Break-in tests for the HTML pages and forms (the /api/v1 endpoints are covered in tests/harness).

Every URL that shows or changes one object (application, document, result, receipt, ticket, counter,
centre console and manager page, appointment, draft, rating, data-access log, assisted session,
TOTP set-up) is tried by someone who must not have it: another citizen, staff of another centre or
body, an official the case is not assigned to, a consultant without the citizen's consent code,
an anonymous visitor, a guessed number. Existence is private (404); a wrong role gets 403; an
anonymous visitor is sent to sign in. The rightful user succeeds. Every POST form refuses a request
without a CSRF token; staff views of a citizen's data are audited; error logs carry no IIN.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tereze.applications import actions as app_actions
from tereze.applications.models import Application
from tereze.applications.states import Status
from tereze.centres import actions as queue_actions
from tereze.centres.models import Appointment, Counter, Ticket
from tereze.core import clock
from tereze.core.models import AuditEntry, Person, User
from tereze.portal.models import Rating, TotpDevice
from tests import factories
from tests.applications.helpers import submit
from tests.centres.conftest import MONDAY
from tests.portal.helpers import last_code
from tests.portal.helpers import signed_in_client as _signed_in_client

pytestmark = pytest.mark.django_db

GUESSED_NUMBER = "A-2099-9999999"


_portal_clients: dict[str, Client] = {}


@pytest.fixture(autouse=True)
def _fresh_portal_clients() -> None:
    _portal_clients.clear()


def signed_in_client(person: Person) -> Client:
    """One portal sign-in per person and test (sign-in codes are rate-limited)."""
    if person.iin not in _portal_clients:
        _portal_clients[person.iin] = _signed_in_client(person)
    return _portal_clients[person.iin]


def staff_client(user: User, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def signs_in(response: Any, *, staff: bool) -> bool:
    where = "/staff/login/" if staff else "/signin/"
    return response.status_code == 302 and response["Location"].startswith(where) and "next=" in response["Location"]


def views_of(subject_iin: str, actor: User) -> int:
    return AuditEntry.objects.filter(action="personal_data.view", subject_iin=subject_iin, actor=actor).count()


@dataclass
class Case:
    world: Any
    application: Application
    assignee: User
    bystander_official: User  # same body, not assigned
    other_person: Person


@pytest.fixture
def case(world: Any) -> Case:
    application = submit(world)
    application.refresh_from_db()
    assert application.assignee is not None
    assignee = application.assignee
    bystander = next(o for o in world.officials if o.pk != assignee.pk)
    return Case(world=world, application=application, assignee=assignee, bystander_official=bystander,
                other_person=Person.objects.get(iin=world.other_citizen.iin))


def decided(case: Case) -> Application:
    application = app_actions.application_start_review(application=case.application, official=case.assignee)
    return app_actions.application_decide(application=application, official=case.assignee, decision="approve")


def issued(case: Case) -> Application:
    decided(case)
    application = Application.objects.get(pk=case.application.pk)
    return app_actions.application_issue(application=application, actor=case.world.operator, signed_on_screen=True)


def returned(case: Case) -> Application:
    application = app_actions.application_start_review(application=case.application, official=case.assignee)
    return app_actions.application_decide(application=application, official=case.assignee, decision="return",
                                          document_code="contract", reason="The contract is not signed.")


# ---------------------------------------------------------------- staff application page and documents

def test_staff_application_page_only_for_who_may_see_it(case: Case) -> None:
    w, url = case.world, f"/staff/applications/{case.application.number}/"
    assert signs_in(Client().get(url), staff=True)
    assert staff_client(w.other_citizen).get(url).status_code == 403
    assert signed_in_client(w.applicant).get(url).status_code == 403  # the applicant uses the cabinet
    # A consultant of the same centre advises; without having filed it with the citizen they see nothing.
    same_centre_consultant = factories.staff("consultant", centre_id=w.operator.centre_id)
    for outsider in (w.other_operator, w.other_body_official, case.bystander_official, same_centre_consultant):
        assert staff_client(outsider).get(url).status_code == 404, outsider.role
        assert views_of(w.applicant.iin, outsider) == 0
    assert staff_client(w.operator).get(f"/staff/applications/{GUESSED_NUMBER}/").status_code == 404
    for rightful in (w.operator, case.assignee, w.supervisor, w.auditor):
        response = staff_client(rightful).get(url)
        assert response.status_code == 200, rightful.role
        assert views_of(w.applicant.iin, rightful) >= 1, rightful.role


def test_decision_and_reassignment_only_by_the_assignee_and_the_body_supervisor(case: Case) -> None:
    w, url = case.world, f"/staff/applications/{case.application.number}/"
    for outsider in (case.bystander_official, w.other_body_official, w.other_operator):
        response = staff_client(outsider).post(url, {"decision": "approve", "reason": "I say so, really."})
        assert response.status_code == 404
    other_supervisor = factories.staff("body_supervisor", body_id=w.other_body_official.body_id)
    assert staff_client(other_supervisor).post(url, {"reason": "Conflict of interest here."}).status_code == 404
    # The centre operator sees the case but has neither form: a POST changes nothing.
    assert staff_client(w.operator).post(url, {"decision": "approve", "reason": "x" * 20}).status_code == 200
    case.application.refresh_from_db()
    assert case.application.status == Status.ASSIGNED and case.application.assignee_id == case.assignee.pk


def test_document_file_only_for_who_may_see_the_application(case: Case) -> None:
    w = case.world
    document = case.application.documents.exclude(file="").get()
    url = f"/staff/applications/{case.application.number}/documents/{document.pk}/"
    assert signs_in(Client().get(url), staff=True)
    assert staff_client(w.other_citizen).get(url).status_code == 403
    for outsider in (w.other_operator, w.other_body_official, case.bystander_official):
        assert staff_client(outsider).get(url).status_code == 404
    # A document of another application cannot be read through a case the viewer may see.
    other = submit(w, applicant_id=case.other_person.iin)
    other_document = other.documents.exclude(file="").get()
    stolen = f"/staff/applications/{case.application.number}/documents/{other_document.pk}/"
    assert staff_client(w.operator).get(stolen).status_code == 404
    assert staff_client(w.operator).get(
        f"/staff/applications/{case.application.number}/documents/999999/").status_code == 404
    response = staff_client(w.operator).get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert views_of(w.applicant.iin, w.operator) >= 1


def test_issue_result_only_at_the_centre_that_holds_the_case(case: Case) -> None:
    w = case.world
    decided(case)
    url = f"/staff/applications/{case.application.number}/issue/"
    assert signs_in(Client().get(url), staff=True)
    assert staff_client(case.assignee).get(url).status_code == 403  # officials do not hand out results
    assert staff_client(w.other_citizen).get(url).status_code == 403
    assert staff_client(w.other_operator).get(url).status_code == 404
    response = staff_client(w.other_operator).post(url, {"signed_on_screen": "on"})
    assert response.status_code == 404
    assert Application.objects.get(pk=case.application.pk).status == Status.RESULT_READY
    assert staff_client(w.operator).get(f"/staff/applications/{GUESSED_NUMBER}/issue/").status_code == 404
    assert staff_client(w.operator).get(url).status_code == 200
    assert views_of(w.applicant.iin, w.operator) >= 1


# ---------------------------------------------------------------- receipt and result

def test_receipt_only_for_the_applicant_and_staff_who_may_see_it(case: Case) -> None:
    w, url = case.world, f"/applications/{case.application.number}/receipt/"
    assert signs_in(Client().get(url), staff=False)
    assert signed_in_client(case.other_person).get(url).status_code == 404
    assert signed_in_client(case.other_person).get(url + "?format=pdf").status_code == 404
    assert staff_client(w.other_operator).get(url).status_code == 404
    assert staff_client(w.other_body_official).get(url).status_code == 404
    assert staff_client(factories.staff("analyst")).get(url).status_code == 404
    assert signed_in_client(w.applicant).get(f"/applications/{GUESSED_NUMBER}/receipt/").status_code == 404
    assert signed_in_client(w.applicant).get(url).status_code == 200
    assert staff_client(w.operator).get(url).status_code == 200
    assert views_of(w.applicant.iin, w.operator) >= 1


def test_result_only_for_the_applicant_and_staff_who_may_see_it(case: Case) -> None:
    w = case.world
    decided(case)
    url = f"/applications/{case.application.number}/result.pdf"
    assert signs_in(Client().get(url), staff=False)
    assert signed_in_client(case.other_person).get(url).status_code == 404
    for outsider in (w.other_operator, w.other_body_official, case.bystander_official):
        assert staff_client(outsider).get(url).status_code == 404
    assert signed_in_client(w.applicant).get(f"/applications/{GUESSED_NUMBER}/result.pdf").status_code == 404
    response = signed_in_client(w.applicant).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert staff_client(w.operator).get(url).status_code == 200
    assert views_of(w.applicant.iin, w.operator) >= 1


# ---------------------------------------------------------------- cabinet: application, rating, resubmission

def test_cabinet_application_only_for_its_applicant(case: Case) -> None:
    w, url = case.world, f"/cabinet/applications/{case.application.number}/"
    assert signs_in(Client().get(url), staff=False)
    assert signed_in_client(case.other_person).get(url).status_code == 404
    assert staff_client(w.operator).get(url).status_code == 403
    assert signed_in_client(w.applicant).get(f"/cabinet/applications/{GUESSED_NUMBER}/").status_code == 404
    assert signed_in_client(w.applicant).get(url).status_code == 200


def test_rating_only_by_the_applicant(case: Case) -> None:
    w = case.world
    issued(case)
    url = f"/cabinet/applications/{case.application.number}/rate/"
    assert signs_in(Client().post(url, {"score": 1}), staff=False)
    assert signed_in_client(case.other_person).post(url, {"score": 1}).status_code == 404
    assert staff_client(w.operator).post(url, {"score": 1}).status_code == 403
    assert not Rating.objects.exists()
    assert signed_in_client(w.applicant).post(url, {"score": 5}).status_code == 302
    assert Rating.objects.get().score == 5


def test_resubmission_only_by_the_applicant(case: Case) -> None:
    w = case.world
    returned(case)
    url = f"/cabinet/applications/{case.application.number}/resubmit/"
    note = {"note": "Signed the contract."}
    assert signs_in(Client().post(url, note), staff=False)
    assert signed_in_client(case.other_person).post(url, note).status_code == 404
    assert staff_client(w.operator).post(url, note).status_code == 403
    assert Application.objects.get(pk=case.application.pk).status == Status.RETURNED
    assert signed_in_client(w.applicant).post(url, note).status_code == 302
    assert Application.objects.get(pk=case.application.pk).status != Status.RETURNED


# ---------------------------------------------------------------- drafts and the assisted session

def citizen_draft(world: Any) -> Application:
    return app_actions.application_save_draft(
        actor=world.citizen, submission=app_actions.Submission(
            service_code=world.service.code, applicant_id=world.applicant.iin, channel="portal"))


def open_assist_session(client: Client, iin: str) -> None:
    assert client.post("/assist/", {"action": "send", "iin": iin}).status_code == 302
    response = client.post("/assist/", {"action": "confirm", "code": last_code(iin, "assist")})
    assert response.status_code == 302 and response["Location"] == "/assist/session/"


def test_draft_only_for_whoever_started_it(case: Case) -> None:
    w = case.world
    draft = citizen_draft(w)
    step, delete = f"/cabinet/drafts/{draft.number}/applicant/", f"/cabinet/drafts/{draft.number}/delete/"
    assert signs_in(Client().get(step), staff=False)
    other = signed_in_client(case.other_person)
    assert other.get(step).status_code == 404
    assert other.post(step, {"phone": "+77010000000"}).status_code == 404
    assert other.post(delete).status_code == 404
    consultant = staff_client(factories.staff("consultant", centre_id=w.centre.pk))
    assert consultant.get(step)["Location"] == "/assist/"  # no consent code: no session
    open_assist_session(consultant, w.applicant.iin)  # even with the citizen's consent: not their draft
    assert consultant.get(step).status_code == 404
    assert consultant.post(delete).status_code == 404
    assert Application.objects.filter(pk=draft.pk, status=Status.DRAFT).exists()
    own = signed_in_client(w.applicant)
    assert own.get(f"/cabinet/drafts/{GUESSED_NUMBER}/applicant/").status_code == 404
    assert own.get(step).status_code == 200
    assert own.post(delete).status_code == 302
    assert not Application.objects.filter(pk=draft.pk, status=Status.DRAFT).exists()


def test_assisted_session_needs_the_citizens_code_and_is_audited(case: Case) -> None:
    w = case.world
    consultant_user = factories.staff("consultant", centre_id=w.centre.pk)
    consultant = staff_client(consultant_user)
    assert signs_in(Client().get("/assist/session/"), staff=True)
    assert staff_client(w.operator).get("/assist/session/").status_code == 403
    assert signed_in_client(w.applicant).get("/assist/").status_code == 403
    assert consultant.get("/assist/session/")["Location"] == "/assist/"
    consultant.post("/assist/", {"action": "send", "iin": w.applicant.iin})
    right = last_code(w.applicant.iin, "assist")
    consultant.post("/assist/", {"action": "confirm", "code": f"{(int(right) + 1) % 10**6:06d}"})
    assert consultant.get("/assist/session/")["Location"] == "/assist/"
    assert consultant.get(f"/services/{w.service.code}/apply/")["Location"] == "/assist/"
    consultant.post("/assist/", {"action": "confirm", "code": right})
    page = consultant.get("/assist/session/")
    assert page.status_code == 200 and w.applicant.full_name in page.content.decode()
    # The consultant saw the citizen's name: the citizen's data-access log must say so.
    assert views_of(w.applicant.iin, consultant_user) >= 1
    # After the session ends the consultant is back at the consent step.
    assert consultant.post("/assist/end/").status_code == 302
    assert consultant.get("/assist/session/")["Location"] == "/assist/"


def test_assisted_draft_view_is_audited(case: Case) -> None:
    w = case.world
    consultant_user = factories.staff("consultant", centre_id=w.centre.pk)
    consultant = staff_client(consultant_user)
    open_assist_session(consultant, w.applicant.iin)
    response = consultant.post(f"/services/{w.service.code}/apply/")
    assert response.status_code == 302
    before = views_of(w.applicant.iin, consultant_user)
    assert consultant.get(response["Location"]).status_code == 200
    assert views_of(w.applicant.iin, consultant_user) == before + 1
    assert AuditEntry.objects.filter(action="personal_data.view", object_type="draft",
                                     subject_iin=w.applicant.iin).exists()


# ---------------------------------------------------------------- data-access log, preferences

def test_data_access_log_shows_only_the_citizens_own(case: Case) -> None:
    w = case.world
    staff_client(w.operator).get(f"/staff/applications/{case.application.number}/")
    assert signs_in(Client().get("/cabinet/data-access/"), staff=False)
    assert staff_client(w.operator).get("/cabinet/data-access/").status_code == 403
    own = signed_in_client(w.applicant).get("/cabinet/data-access/")
    other = signed_in_client(case.other_person).get("/cabinet/data-access/")
    assert own.status_code == other.status_code == 200
    assert case.application.number in own.content.decode()
    assert case.application.number not in other.content.decode()


def test_preferences_only_for_the_signed_in_applicant(case: Case) -> None:
    w = case.world
    assert signs_in(Client().get("/cabinet/preferences/"), staff=False)
    assert staff_client(w.operator).get("/cabinet/preferences/").status_code == 403
    page = signed_in_client(case.other_person).get("/cabinet/preferences/").content.decode()
    assert w.applicant.email not in page or w.applicant.email == case.other_person.email
    assert w.applicant.iin not in page


# ---------------------------------------------------------------- the queue: tickets, counters, console, manager

@dataclass
class Hall:
    windows: list[Counter]
    other_window: Counter
    manager: User
    other_manager: User


@pytest.fixture
def hall(world: Any) -> Hall:
    windows = [queue_actions.counter_create(centre=world.centre, number=n, services=[world.service]) for n in (1, 2)]
    other_window = queue_actions.counter_create(centre=world.other_centre, number=1, services=[world.service])
    queue_actions.counter_sign_in(counter=windows[0], operator=world.operator)
    queue_actions.counter_sign_in(counter=other_window, operator=world.other_operator)
    return Hall(windows=windows, other_window=other_window,
                manager=factories.staff("centre_manager", centre_id=world.centre.pk),
                other_manager=factories.staff("centre_manager", centre_id=world.other_centre.pk))


def test_ticket_status_page_needs_the_secret_code_and_shows_no_personal_data(world: Any, hall: Hall) -> None:
    with clock.frozen(MONDAY):
        ticket = queue_actions.ticket_issue(centre=world.centre, service=world.service, iin=world.applicant.iin)
        assert Client().get("/queue/t/ZZZZZZZZ/").status_code == 404
        assert Client().get(f"/queue/t/{ticket.number}/").status_code == 404  # the number is not the key
        page = Client().get(f"/queue/t/{ticket.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert world.applicant.iin not in text and world.applicant.surname not in text


def test_kiosk_and_board_of_a_guessed_centre_are_not_found(world: Any) -> None:
    assert Client().get("/centres/999999/kiosk/").status_code == 404
    assert Client().get("/centres/999999/board/").status_code == 404
    assert Client().get(f"/centres/{world.centre.pk}/board/").status_code == 200


def test_console_shows_and_serves_only_the_operators_own_centre(world: Any, hall: Hall) -> None:
    with clock.frozen(MONDAY):
        ticket = queue_actions.ticket_issue(centre=world.centre, service=world.service, iin=world.applicant.iin)
        assert signs_in(Client().get("/staff/counter/"), staff=True)
        assert staff_client(world.other_citizen).get("/staff/counter/").status_code == 403
        assert staff_client(world.officials[0]).get("/staff/counter/").status_code == 403
        # Another centre's operator calls at their own counter: our visitor is not in their queue.
        other = staff_client(world.other_operator)
        other.post("/staff/counter/", {"do": "call_next"})
        ticket.refresh_from_db()
        assert ticket.counter_id is None and ticket.status == "waiting"
        # Nor can they move to a counter of our centre.
        other.post("/staff/counter/", {"do": "sign_out"})
        other.post("/staff/counter/", {"do": "sign_in", "counter": hall.windows[1].pk})
        assert Counter.objects.get(pk=hall.windows[1].pk).operator_id is None
        assert world.applicant.iin not in other.get("/staff/counter/").content.decode()
        # The rightful operator calls the visitor, sees who it is, and that view is audited.
        own = staff_client(world.operator)
        assert own.post("/staff/counter/", {"do": "call_next"}).status_code == 302
        page = own.get("/staff/counter/").content.decode()
        assert world.applicant.iin in page
        assert views_of(world.applicant.iin, world.operator) >= 1
        # Transferring our visitor to another centre's counter is refused.
        own.post("/staff/counter/", {"do": "transfer", "counter": hall.other_window.pk, "reason": "wrong counter"})
        ticket.refresh_from_db()
        assert ticket.centre_id == world.centre.pk and ticket.counter_id == hall.windows[0].pk


def test_manager_page_only_for_the_centres_own_managers(world: Any, hall: Hall) -> None:
    assert signs_in(Client().get("/staff/centre/"), staff=True)
    assert staff_client(world.operator).get("/staff/centre/").status_code == 403
    assert staff_client(world.other_citizen).get("/staff/centre/").status_code == 403
    assert staff_client(hall.manager).get("/staff/centre/").status_code == 200
    assert staff_client(hall.manager).get(f"/staff/centre/?centre={world.other_centre.pk}").status_code == 404
    assert staff_client(hall.manager).get("/staff/centre/?centre=999999").status_code == 404
    with clock.frozen(MONDAY):
        ticket = queue_actions.ticket_issue(centre=world.centre, service=world.service, iin=world.applicant.iin)
        # Another centre's manager cannot call our ticket out of turn, nor to our counter.
        other = staff_client(hall.other_manager)
        other.post(f"/staff/centre/?centre={world.centre.pk}",
                   {"number": ticket.number, "counter": hall.windows[0].pk, "reason": "A very good reason."})
        other.post("/staff/centre/", {"number": ticket.number, "counter": hall.other_window.pk,
                                      "reason": "A very good reason."})
        ticket.refresh_from_db()
        assert ticket.status == "waiting" and ticket.counter_id is None
        # Our manager cannot send our ticket to another centre's counter either.
        staff_client(hall.manager).post("/staff/centre/", {"number": ticket.number, "counter": hall.other_window.pk,
                                                           "reason": "A very good reason."})
        ticket.refresh_from_db()
        assert ticket.status == "waiting" and ticket.counter_id is None
        response = staff_client(hall.manager).post(
            "/staff/centre/", {"number": ticket.number, "counter": hall.windows[0].pk,
                               "reason": "Disabled visitor, urgent help."})
        assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.counter_id == hall.windows[0].pk


def test_situation_page_for_managers_and_analysts_only(world: Any, hall: Hall) -> None:
    assert signs_in(Client().get("/staff/situation/"), staff=True)
    assert staff_client(world.operator).get("/staff/situation/").status_code == 403
    assert staff_client(world.officials[0]).get("/staff/situation/").status_code == 403
    assert staff_client(world.other_citizen).get("/staff/situation/").status_code == 403
    assert staff_client(hall.manager).get("/staff/situation/").status_code == 200


def test_appointment_is_the_citizens_own(world: Any, hall: Hall) -> None:
    with clock.frozen(MONDAY):
        slot = MONDAY + dt.timedelta(hours=2)
        appointment = queue_actions.appointment_book(centre=world.centre, service=world.service,
                                                     iin=world.applicant.iin, slot_start=slot, actor=world.citizen)
        other = signed_in_client(Person.objects.get(iin=world.other_citizen.iin))
        assert appointment.code not in other.get("/queue/mine/").content.decode()
        assert appointment.code in signed_in_client(world.applicant).get("/queue/mine/").content.decode()
        # The code alone does not check someone in: it must come with the booking's IIN.
        with clock.frozen(slot - dt.timedelta(minutes=10)):
            Client().post(f"/centres/{world.centre.pk}/kiosk/",
                          {"check_in": "1", "code": appointment.code, "iin": world.other_citizen.iin})
            assert Appointment.objects.get(pk=appointment.pk).status == "booked"
            response = Client().post(f"/centres/{world.centre.pk}/kiosk/",
                                     {"check_in": "1", "code": appointment.code, "iin": world.applicant.iin})
            assert response.status_code == 302
        assert Ticket.objects.filter(appointment=appointment).exists()
    assert Client().get("/queue/mine/").status_code == 302


# ---------------------------------------------------------------- TOTP set-up, staff pages

def test_totp_setup_is_the_staff_members_own(world: Any) -> None:
    assert signs_in(Client().get("/staff/2fa/setup/"), staff=True)
    assert signed_in_client(world.applicant).get("/staff/2fa/setup/").status_code == 403
    first = staff_client(world.operator).get("/staff/2fa/setup/")
    assert first.status_code == 200
    secret = TotpDevice.objects.get(user=world.operator).secret
    second = staff_client(world.other_operator).get("/staff/2fa/setup/").content.decode()
    assert secret not in second
    assert TotpDevice.objects.get(user=world.other_operator).secret != secret


def test_work_queues_for_their_roles_only(world: Any) -> None:
    for url, wrong in (("/staff/queue/", world.operator), ("/staff/body/", world.officials[0]),
                       ("/staff/intake/", world.officials[0])):
        assert signs_in(Client().get(url), staff=True)
        assert staff_client(wrong).get(url).status_code == 403
        assert staff_client(world.other_citizen).get(url).status_code == 403


def test_official_queue_lists_only_the_officials_own_cases(case: Case) -> None:
    number = case.application.number
    assert number in staff_client(case.assignee).get("/staff/queue/").content.decode()
    assert number not in staff_client(case.bystander_official).get("/staff/queue/").content.decode()
    assert number not in staff_client(case.world.other_body_official).get("/staff/queue/").content.decode()


# ---------------------------------------------------------------- CSRF on every POST form

def csrf_targets(case: Case, hall: Hall) -> list[tuple[str, Any, dict[str, Any]]]:
    w, number = case.world, case.application.number
    draft = citizen_draft(w)
    consultant = factories.staff("consultant", centre_id=w.centre.pk)
    return [
        ("/signin/", None, {"iin": w.applicant.iin}),
        ("/signin/code/", None, {"code": "123456"}),
        ("/signout/", w.applicant, {}),
        (f"/services/{w.service.code}/apply/", w.applicant, {}),
        (f"/cabinet/applications/{number}/rate/", w.applicant, {"score": 5}),
        (f"/cabinet/applications/{number}/resubmit/", w.applicant, {"note": "fixed"}),
        (f"/cabinet/drafts/{draft.number}/applicant/", w.applicant, {"phone": "+77010000000"}),
        (f"/cabinet/drafts/{draft.number}/delete/", w.applicant, {}),
        ("/cabinet/preferences/", w.applicant, {"language": "en"}),
        ("/assist/", consultant, {"action": "send", "iin": w.applicant.iin}),
        ("/assist/end/", consultant, {}),
        ("/staff/login/", None, {"username": w.operator.username, "password": "correct-horse-battery"}),
        ("/staff/logout/", w.operator, {}),
        ("/staff/2fa/", w.operator, {"code": "123456"}),
        ("/staff/2fa/setup/", w.operator, {"code": "123456"}),
        (f"/staff/applications/{number}/", case.assignee, {"decision": "approve"}),
        (f"/staff/applications/{number}/", w.supervisor, {"reason": "Conflict of interest here."}),
        (f"/staff/applications/{number}/issue/", w.operator, {"signed_on_screen": "on"}),
        (f"/staff/intake/{w.service.code}/", w.operator, {"applicant_id": w.applicant.iin}),
        (f"/centres/{w.centre.pk}/kiosk/", None, {"take": "1", "kind": "application"}),
        (f"/centres/{w.centre.pk}/book/", w.applicant, {"service": w.service.code, "slot": "2026-11-23T12:00"}),
        ("/staff/counter/", w.operator, {"do": "call_next"}),
        ("/staff/centre/", hall.manager, {"number": "A001", "counter": hall.windows[0].pk, "reason": "x" * 20}),
        ("/i18n/setlang/", None, {"language": "kk"}),
    ]


def test_every_post_form_refuses_a_request_without_csrf_token(case: Case, hall: Hall) -> None:
    targets = csrf_targets(case, hall)
    for url, user, data in targets:
        client = Client(enforce_csrf_checks=True)
        if isinstance(user, Person):
            # A real portal sign-in (session with its start time), then the protected POST.
            client.cookies = signed_in_client(user).cookies
        elif user is not None:
            client.force_login(user)
        response = client.post(url, data)
        assert response.status_code == 403 and b"CSRF" in response.content, (url, response.status_code)
    assert Application.objects.filter(status=Status.DRAFT).count() == 1
    assert not Rating.objects.exists()
    assert Application.objects.get(pk=case.application.pk).status == Status.ASSIGNED


# ---------------------------------------------------------------- logs carry no IIN

def test_an_error_during_a_request_logs_no_iin(case: Case, caplog: pytest.LogCaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    iin = case.world.applicant.iin

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"register lookup failed for {iin}")

    monkeypatch.setattr("tereze.portal.selectors.applicant_profile", broken)
    client = signed_in_client(case.world.applicant)
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        response = client.get("/cabinet/")
    assert response.status_code == 500
    assert any(r.levelno >= logging.ERROR for r in caplog.records)
    assert iin not in caplog.text
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter or logging.Formatter()
        for record in caplog.records:
            assert iin not in formatter.format(record)


def test_a_refused_guess_logs_no_iin(case: Case, caplog: pytest.LogCaptureFixture) -> None:
    """A 404 is logged as a warning with the path; an IIN typed into a URL is masked."""
    iin = case.world.applicant.iin
    client = signed_in_client(case.other_person)
    with caplog.at_level(logging.INFO):
        assert client.get(f"/cabinet/applications/{iin}/").status_code == 404
        assert Client().get(f"/queue/t/{iin}/").status_code == 404
    assert iin not in caplog.text


def test_anonymous_citizens_are_sent_to_the_citizen_sign_in(world, client) -> None:
    for path in [f"/centres/{world.centre.pk}/book/", "/queue/mine/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/signin/?next="), path
