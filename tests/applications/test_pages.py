import pytest

from tereze.applications import actions
from tereze.core.models import AuditEntry
from tests.applications.helpers import submit


def test_receipt_page_and_pdf_for_the_operator(world, client) -> None:
    application = submit(world)
    client.force_login(world.operator)
    page = client.get(f"/applications/{application.number}/receipt/")
    assert page.status_code == 200
    text = page.content.decode()
    assert application.number in text and application.due_date.isoformat() in text and "contract" in text
    assert application.assignee.username not in text
    pdf = client.get(f"/applications/{application.number}/receipt/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_receipt_of_someone_else_is_not_found(world, client) -> None:
    application = submit(world)
    client.force_login(world.other_citizen)
    assert client.get(f"/applications/{application.number}/receipt/").status_code == 404
    client.logout()
    response = client.get(f"/applications/{application.number}/receipt/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/?next=")


def test_portal_applicant_downloading_the_result_is_the_hand_out(world, client) -> None:
    application = submit(world, channel="portal", actor=world.citizen)
    actions.application_decide(application=application, official=application.assignee, decision="approve")
    client.force_login(world.citizen)
    response = client.get(f"/applications/{application.number}/result.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    application.refresh_from_db()
    assert application.status == "issued"
    assert application.events.last().payload == {"issued": "online"}


def test_verify_page_is_public_and_shows_only_a_masked_name(world, client) -> None:
    application = submit(world)
    application = actions.application_decide(application=application, official=application.assignee,
                                             decision="approve")
    code = application.result.verification_code
    response = client.get(f"/verify/{code}/", HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200 and "Genuine and current" in text
    assert world.applicant.surname not in text and world.applicant.iin not in text
    assert "А. А*******" in text
    assert client.get("/verify/ZZZZ/").status_code == 404
    assert client.get("/verify/", {"code": code.lower()}).status_code == 302


@pytest.mark.parametrize("role", ["official", "supervisor"])
def test_official_pages_show_the_queue_and_audit_the_view(world, client, role) -> None:
    application = submit(world)
    viewer = application.assignee if role == "official" else world.supervisor
    client.force_login(viewer)
    home = client.get("/staff/", follow=True)
    assert application.number in home.content.decode()
    detail = client.get(f"/staff/applications/{application.number}/")
    assert world.applicant.full_name in detail.content.decode()
    assert AuditEntry.objects.filter(action="personal_data.view", actor=viewer,
                                     subject_iin=world.applicant.iin).exists()
    if role == "official":
        application.refresh_from_db()
        assert application.status == "in_review"  # opening the case starts the review


def test_decision_form_errors_stay_on_the_page(world, client) -> None:
    application = submit(world)
    client.force_login(application.assignee)
    client.get(f"/staff/applications/{application.number}/")
    response = client.post(f"/staff/applications/{application.number}/", {"decision": "refuse", "reason": "x"})
    assert response.status_code == 200
    assert "cite a refusal ground" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "in_review"


def test_uploaded_document_opens_for_the_body_and_not_for_outsiders(world, client) -> None:
    from tests.factories import PDF

    application = submit(world)
    document = application.documents.get(code="contract")
    url = f"/staff/applications/{application.number}/documents/{document.pk}/"
    client.force_login(world.supervisor)
    response = client.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    client.force_login(world.other_body_official)
    assert client.get(url).status_code == 404
    client.force_login(world.other_citizen)
    assert client.get(url).status_code == 403


def test_supervisor_page_reports_reassignments_with_reasons(world, client) -> None:
    application = submit(world)
    actions.application_reassign(application=application, supervisor=world.supervisor,
                                 reason="The official is on sick leave this week")
    client.force_login(world.supervisor)
    page = client.get("/staff/body/").content.decode()
    assert "The official is on sick leave this week" in page and application.number in page


@pytest.mark.parametrize("count", [1, 6])
def test_work_queue_pages_do_not_grow_queries_with_the_number_of_cases(world, client, count,
                                                                       django_assert_max_num_queries) -> None:
    for _ in range(count):
        application = submit(world)
        application.assignee = world.officials[0]
        application.save(update_fields=["assignee"])
    client.force_login(world.officials[0])
    with django_assert_max_num_queries(8):
        assert client.get("/staff/queue/").status_code == 200
    client.force_login(world.supervisor)
    with django_assert_max_num_queries(9):
        assert client.get("/staff/body/").status_code == 200
