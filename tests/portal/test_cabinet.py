"""The cabinet: applications with their timeline and deadline, results, resubmission, ratings,
the data-access log, preferences; and one citizen never sees another's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tereze.applications import actions
from tereze.applications.models import Application
from tereze.applications.states import Status
from tereze.core import clock
from tereze.core.models import AuditEntry, Person
from tereze.portal.models import Rating
from tests import factories
from tests.applications.helpers import submit
from tests.factories import PDF
from tests.portal.helpers import signed_in_client

pytestmark = pytest.mark.django_db
MONDAY = timezone.make_aware(dt.datetime(2026, 4, 6, 10, 0))


def decided(world, decision: str = "approve", **kwargs) -> Application:
    application = submit(world)
    return actions.application_decide(application=application, official=application.assignee, decision=decision,
                                      **kwargs)


def other_client(world) -> Client:
    return signed_in_client(Person.objects.get(iin=world.other_citizen.iin))


def test_cabinet_lists_applications_from_every_channel_with_deadline(world) -> None:
    with clock.frozen(MONDAY):
        application = submit(world)
    with clock.frozen(MONDAY + dt.timedelta(days=2)):
        client = signed_in_client(world.applicant)
        html = client.get("/cabinet/").content.decode()
        assert application.number in html and "2 of 15" in html
        page = client.get(f"/cabinet/applications/{application.number}/").content.decode()
    assert "2 working days used of the 15 the standard allows" in page
    assert "Accepted; the deadline starts" in page and "Passed to the state body" in page
    assert application.assignee.username not in page  # the reviewer stays secret


def test_decision_appears_with_result_download_verification_and_rating(world) -> None:
    application = decided(world)
    client = signed_in_client(world.applicant)
    page = client.get(f"/cabinet/applications/{application.number}/").content.decode()
    code = application.result.verification_code
    assert code in page and "Approved" in page and 'id="rate"' not in page  # not rated before it is received
    assert client.get(f"/cabinet/applications/{application.number}/").status_code == 200
    assert client.post(f"/cabinet/applications/{application.number}/rate/", {"score": 5}).status_code == 422
    # Centre-channel results are handed out at the centre.
    actions.application_issue(application=application, actor=world.operator, signed_on_screen=True)
    pdf = client.get(f"/applications/{application.number}/result.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert Client().get(f"/verify/{code}/").status_code == 200
    page = client.get(f"/cabinet/applications/{application.number}/").content.decode()
    assert 'id="rate"' in page
    response = client.post(f"/cabinet/applications/{application.number}/rate/", {"score": 4, "comment": "Быстро"})
    assert response.status_code == 302
    rating = Rating.objects.get(application=application)
    assert (rating.score, rating.comment, rating.body_id, rating.centre_id) == (4, "Быстро", world.body.pk,
                                                                                world.centre.pk)
    again = client.post(f"/cabinet/applications/{application.number}/rate/", {"score": 1})
    assert again.status_code == 422 and "already rated" in again.content.decode()
    assert Rating.objects.get(application=application).score == 4


def test_rating_score_must_be_1_to_5(world) -> None:
    application = decided(world)
    actions.application_issue(application=application, actor=world.operator, signed_on_screen=True)
    client = signed_in_client(world.applicant)
    for bad in ("0", "6", "five", ""):
        assert client.post(f"/cabinet/applications/{application.number}/rate/", {"score": bad}).status_code == 422
    assert not Rating.objects.exists()


def test_returned_application_is_corrected_and_resubmitted(world) -> None:
    application = decided(world, "return", document_code="contract", reason="The contract is not signed by the seller")
    client = signed_in_client(world.applicant)
    page = client.get(f"/cabinet/applications/{application.number}/").content.decode()
    assert "The contract is not signed by the seller" in page and 'id="returned"' in page
    empty = client.post(f"/cabinet/applications/{application.number}/resubmit/", {})
    assert empty.status_code == 422 and "Upload the corrected document" in empty.content.decode()
    bad = client.post(f"/cabinet/applications/{application.number}/resubmit/",
                      {"doc_contract": SimpleUploadedFile("x.txt", b"hello")})
    assert bad.status_code == 422 and "not a PDF, JPEG or PNG" in bad.content.decode()
    assert Application.objects.get(pk=application.pk).status == Status.RETURNED
    response = client.post(f"/cabinet/applications/{application.number}/resubmit/",
                           {"doc_contract": SimpleUploadedFile("signed.pdf", PDF + b"signed"), "note": "signed now"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.RESUBMITTED and application.form_data["correction_note"] == "signed now"


def test_data_access_log_shows_body_and_time_never_the_staff_member(world) -> None:
    application = submit(world)
    staff_client = Client()
    staff_client.force_login(world.supervisor)
    assert staff_client.get(f"/staff/applications/{application.number}/").status_code == 200
    assert AuditEntry.objects.filter(action="personal_data.view", subject_iin=world.applicant.iin).exists()
    client = signed_in_client(world.applicant)
    html = client.get("/cabinet/data-access/").content.decode()
    assert world.body.name_ru in html or world.body.name_en in html
    assert world.supervisor.username not in html
    other = other_client(world).get("/cabinet/data-access/").content.decode()
    assert application.number not in other and "Nobody has looked" in other


def test_one_citizen_never_sees_anothers_application_result_or_rating(world) -> None:
    application = decided(world)
    actions.application_issue(application=application, actor=world.operator, signed_on_screen=True)
    mine = signed_in_client(world.applicant)
    mine.post(f"/cabinet/applications/{application.number}/rate/", {"score": 5})
    other = other_client(world)
    number = application.number
    assert other.get(f"/cabinet/applications/{number}/").status_code == 404
    assert other.get(f"/applications/{number}/result.pdf").status_code == 404
    assert other.get(f"/applications/{number}/receipt/").status_code == 404
    assert other.post(f"/cabinet/applications/{number}/rate/", {"score": 1}).status_code == 404
    assert other.post(f"/cabinet/applications/{number}/resubmit/", {}).status_code == 404
    cabinet = other.get("/cabinet/").content.decode()
    assert number not in cabinet and application.result.verification_code not in cabinet
    assert Rating.objects.get(application=application).score == 5


def test_staff_and_anonymous_cannot_open_the_cabinet(world) -> None:
    assert Client().get("/cabinet/").status_code == 302
    staff = Client()
    staff.force_login(world.operator)
    assert staff.get("/cabinet/").status_code == 403
    assert staff.get("/cabinet/data-access/").status_code == 403


def test_notification_preferences(world) -> None:
    client = signed_in_client(world.applicant)
    assert client.get("/cabinet/preferences/").status_code == 200
    response = client.post("/cabinet/preferences/", {"notify_by": ["email"], "language": "en"})
    assert response.status_code == 302
    person = Person.objects.get(iin=world.applicant.iin)
    assert person.notify_by == ["email"] and person.language == "en"
    empty = client.post("/cabinet/preferences/", {"language": "ru"})
    assert empty.status_code == 200 and Person.objects.get(iin=world.applicant.iin).language == "en"


def test_preferences_refuse_a_channel_without_an_address(world) -> None:
    person = factories.person(email="")
    client = signed_in_client(person)
    response = client.post("/cabinet/preferences/", {"notify_by": ["email"], "language": "ru"})
    assert "no e-mail address" in response.content.decode()
    person.refresh_from_db()
    assert person.notify_by == ["sms", "email"]


def test_cabinet_forms_refuse_posts_without_csrf_token(world) -> None:
    application = decided(world)
    actions.application_issue(application=application, actor=world.operator, signed_on_screen=True)
    client = signed_in_client(world.applicant)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(f"/cabinet/applications/{application.number}/rate/", {"score": 5}).status_code == 403
    assert strict.post("/cabinet/preferences/", {"notify_by": ["sms"], "language": "ru"}).status_code == 403
    assert strict.post("/signout/").status_code == 403
    assert not Rating.objects.exists()


def test_pages_are_small(world) -> None:
    for _ in range(30):
        submit(world)
    client = signed_in_client(world.applicant)
    application = Application.objects.filter(applicant_iin=world.applicant.iin).first()
    for url in ("/cabinet/", f"/cabinet/applications/{application.number}/", "/cabinet/data-access/",
                "/cabinet/preferences/", f"/services/{world.service.code}/apply/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) < 100_000, url
    assert len(Client().get("/signin/").content) < 100_000


def test_every_input_has_a_label(world) -> None:
    import re

    client = signed_in_client(world.applicant)
    client.post(f"/services/{world.service.code}/apply/")
    draft = Application.objects.get(status=Status.DRAFT)
    for step in ("applicant", "documents", "tier"):
        html = client.get(f"/cabinet/drafts/{draft.number}/{step}/").content.decode()
        main = html.split('<main id="main">')[1]
        for input_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', main):
            assert f'for="{input_id}"' in main, (step, input_id)


def test_refusal_shows_the_rule_of_the_standard_and_the_reason(world) -> None:
    application = decided(world, "refuse", ground_code="G1", reason="The signature of the seller is missing")
    page = signed_in_client(world.applicant).get(f"/cabinet/applications/{application.number}/").content.decode()
    assert "The documents are incomplete" in page and "The signature of the seller is missing" in page
    assert "Refused" in page


def test_signed_in_citizen_going_to_sign_in_lands_in_the_cabinet(world) -> None:
    assert signed_in_client(world.applicant).get("/signin/")["Location"] == "/cabinet/"


def test_cabinet_query_count_does_not_grow_with_applications(world, django_assert_max_num_queries) -> None:
    client = signed_in_client(world.applicant)
    for _ in range(3):
        submit(world)
    with django_assert_max_num_queries(40) as few:
        client.get("/cabinet/")
    for _ in range(12):
        submit(world)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        client.get("/cabinet/")


def test_demo_command_prints_codes_but_never_in_production(world, monkeypatch) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    Client().post("/signin/", {"iin": world.applicant.iin})
    out = StringIO()
    call_command("portal_codes", iin=world.applicant.iin, stdout=out)
    assert "sign_in" in out.getvalue()
    monkeypatch.setenv("TEREZE_ENV", "production")
    with pytest.raises(CommandError):
        call_command("portal_codes")


def test_cabinet_lists_live_tickets_from_the_centres_module_only_to_their_holder(world) -> None:
    centres = pytest.importorskip("tereze.centres.actions")
    centres.counter_create(centre=world.centre, number=1, services=[world.service])
    with clock.frozen(MONDAY):
        ticket = centres.ticket_issue(centre=world.centre, service=world.service, iin=world.applicant.iin)
        html = signed_in_client(world.applicant).get("/cabinet/").content.decode()
        assert ticket.number in html and "place in the queue: 1" in html
        assert ticket.number not in other_client(world).get("/cabinet/").content.decode()
