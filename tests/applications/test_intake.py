import base64
import datetime as dt

import pytest
from django.utils import timezone

from tereze.applications import actions
from tereze.applications.models import Application, ApplicationEvent
from tereze.core import clock
from tereze.core.calendar import add_working_days
from tereze.core.errors import Forbidden, ValidationFailed
from tereze.registry.actions import standard_new_version, standard_publish
from tests.applications.helpers import api_client, api_payload, submission, submit
from tests.factories import PNG

MONDAY = timezone.make_aware(dt.datetime(2026, 3, 16, 10, 0))


def test_intake_accepts_fixes_due_date_and_assigns(world) -> None:
    with clock.frozen(MONDAY):
        application = submit(world)
    assert application.status == "assigned"
    assert application.due_date == add_working_days(dt.date(2026, 3, 16), 15)  # across Nauryz
    assert application.assignee in world.officials
    assert application.number.startswith(f"{world.service.code}-20260316-")
    kinds = list(application.events.values_list("kind", "from_status", "to_status"))
    assert kinds == [("submitted", "", "submitted"), ("accepted", "submitted", "accepted"),
                     ("assigned", "accepted", "assigned")]
    documents = {d.code: d for d in application.documents.all()}
    assert documents["identity"].source == "register"
    assert documents["identity"].register_data["iin"] == world.applicant.iin
    assert documents["contract"].content_type == "application/pdf"


def test_paid_tier_sets_its_own_deadline(world) -> None:
    with clock.frozen(MONDAY):
        application = submit(world, tier_code="fast")
    assert application.due_date == dt.date(2026, 3, 18)


def test_missing_documents_refuse_intake_with_the_list_and_save_nothing(world) -> None:
    with pytest.raises(ValidationFailed) as error:
        submit(world, documents=[])
    assert "contract" in error.value.errors["documents"]
    assert Application.objects.count() == 0 and ApplicationEvent.objects.count() == 0


def test_register_without_a_record_is_reported_missing(world) -> None:
    from tests.factories import new_iin

    with pytest.raises(ValidationFailed) as error:
        submit(world, applicant_id=new_iin())
    assert "population register holds no record" in error.value.errors["documents"]


def test_single_access_service_is_not_taken_at_the_body(world) -> None:
    official = world.officials[0]
    with pytest.raises(ValidationFailed) as error:
        submit(world, actor=official, channel="body")
    assert "not offered through 'body'" in error.value.errors["channel"]


def test_operator_cannot_file_as_portal_and_citizen_only_for_self(world) -> None:
    with pytest.raises(Forbidden):
        submit(world, channel="portal", actor=world.operator)
    with pytest.raises(Forbidden):
        submit(world, channel="portal", actor=world.other_citizen)
    assert submit(world, channel="portal", actor=world.citizen).status == "assigned"


def test_application_keeps_the_standard_in_force_when_filed(world) -> None:
    with clock.frozen(MONDAY):
        first = submit(world)
    draft = standard_new_version(standard=world.standard, valid_from=dt.date(2026, 4, 1), actor=None)
    draft.deadline_working_days = 30
    draft.save()
    standard_publish(standard=draft, actor=None)
    first.refresh_from_db()
    assert first.standard.version == 1 and first.due_date == add_working_days(dt.date(2026, 3, 16), 15)
    with clock.frozen(MONDAY + dt.timedelta(days=30)):
        later = submit(world)
    assert later.standard.version == 2
    assert later.due_date == add_working_days(dt.date(2026, 4, 15), 30)


def test_no_official_leaves_it_accepted_until_the_sweep_assigns(world) -> None:
    for official in world.officials:
        official.is_active = False
        official.save()
    application = submit(world)
    assert application.status == "accepted" and application.assignee is None
    world.officials[0].is_active = True
    world.officials[0].save()
    assert actions.deadline_sweep()["assigned"] == 1
    application.refresh_from_db()
    assert application.status == "assigned" and application.assignee == world.officials[0]


# ------------------------------------------------------------------ API

def test_api_submit_returns_201_with_number_due_date_and_receipt(world) -> None:
    response = api_client(world.operator).post("/api/v1/applications", api_payload(world),
                                               content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "assigned" and body["due_date"]
    assert body["receipt_url"] == f"/applications/{body['number']}/receipt/"


def test_api_same_idempotency_key_returns_the_same_application(world) -> None:
    client = api_client(world.operator)
    first = client.post("/api/v1/applications", api_payload(world), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/applications", api_payload(world), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1
    different = client.post("/api/v1/applications", api_payload(world, tier_code="fast"),
                            content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert different.status_code == 422 and "Idempotency-Key" in different.json()["detail"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"applicant_id": "900101300005"}, "applicant_id", "check digit does not match"),
    ({"service_code": "NOPE"}, "service_code", "no service with code 'NOPE'"),
    ({"documents": []}, "documents", "missing: contract"),
    ({"channel": "body"}, "channel", "not offered through 'body'"),
    ({"channel": "pigeon"}, "channel", "unknown channel"),
    ({"tier_code": "express"}, "tier_code", "unknown tier 'express'"),
    ({"documents": [{"code": "contract", "file_name": "c.pdf", "content_base64": "!!!"}]},
     "documents.contract", "not valid base64"),
    ({"documents": [{"code": "contract", "file_name": "../../etc/passwd",
                     "content_base64": base64.b64encode(b"<script>alert(1)</script>").decode()}]},
     "documents.contract", "only PDF, JPEG and PNG"),
])
def test_api_bad_submissions_get_422_naming_the_problem(world, overrides, field, message) -> None:
    response = api_client(world.operator).post("/api/v1/applications", api_payload(world, **overrides),
                                               content_type="application/json")
    assert response.status_code == 422, response.content
    body = response.json()
    assert message in body["detail"]
    if field in ("applicant_id", "documents", "channel", "tier_code", "documents.contract", "service_code"):
        assert field in body["errors"]
    assert Application.objects.count() == 0


@pytest.mark.parametrize("raw, content_type", [
    ("{not json", "application/json"),
    ("service_code=x", "text/plain"),
    ('{"service_code": 5}', "application/json"),
])
def test_api_malformed_bodies_get_4xx_not_500(world, raw, content_type) -> None:
    response = api_client(world.operator).post("/api/v1/applications", raw, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_upload_over_the_size_limit_is_refused_with_sizes(world, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    big = base64.b64encode(PNG + b"\x00" * 2048).decode()
    response = api_client(world.operator).post(
        "/api/v1/applications",
        api_payload(world, documents=[{"code": "contract", "file_name": "scan.png", "content_base64": big}]),
        content_type="application/json")
    assert response.status_code == 422 and "the limit is 1 KB" in response.json()["detail"]


def test_api_requires_authentication(world, client) -> None:
    response = client.post("/api/v1/applications", api_payload(world), content_type="application/json")
    assert response.status_code == 401


def test_stored_upload_name_cannot_escape(world) -> None:
    from tereze.applications.uploads import safe_name

    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\boot.ini") == "boot.ini"
    application = submit(world, documents=[actions.Upload(code="contract", file_name="../../x.pdf",
                                                          content=submission(world).documents[0].content)])
    assert application.documents.get(code="contract").file_name == "x.pdf"


def test_draft_is_saved_resumed_and_submitted_through_the_same_checks(world) -> None:
    draft = actions.application_save_draft(
        actor=world.citizen, submission=submission(world, channel="portal", documents=[], form_data={"flat": "12"}))
    assert draft.status == "draft" and draft.due_date is None
    with pytest.raises(ValidationFailed) as error:
        actions.application_submit_draft(draft=draft, actor=world.citizen)
    assert "contract" in error.value.errors["documents"]
    draft.refresh_from_db()
    assert draft.status == "draft"
    draft = actions.application_save_draft(actor=world.citizen, draft=draft,
                                           submission=submission(world, channel="portal", tier_code="fast"))
    with pytest.raises(Forbidden):
        actions.application_submit_draft(draft=draft, actor=world.other_citizen)
    application = actions.application_submit_draft(draft=draft, actor=world.citizen)
    assert application.status == "assigned" and application.tier.code == "fast"
    assert application.form_data == {"flat": "12"}
    assert list(application.events.values_list("kind", flat=True)) == [
        "draft_created", "submitted", "accepted", "assigned"]


def test_deleted_draft_is_withdrawn_not_erased(world) -> None:
    draft = actions.application_save_draft(actor=world.citizen, submission=submission(world, channel="portal"))
    with pytest.raises(Forbidden):
        actions.application_delete_draft(draft=draft, actor=world.other_citizen)
    assert actions.application_delete_draft(draft=draft, actor=world.citizen).status == "withdrawn"


def test_the_same_document_stored_by_many_requests_at_once_never_fails(settings, tmp_path) -> None:
    """Seen under a flash crowd: concurrent writers of one document shared a temporary file and the
    second one's rename failed with a 500."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from tereze.applications.uploads import Upload, open_stored, store_upload

    settings.MEDIA_ROOT = tmp_path
    for round_ in range(20):
        content = b"%PDF-1.4\n% the same contract, round " + str(round_).encode() + b"\n%%EOF\n"
        start = threading.Barrier(8)

        def store(_: int, content: bytes = content, start: threading.Barrier = start) -> str:
            start.wait()
            return store_upload(Upload(code="contract", file_name="contract.pdf", content=content)).path

        with ThreadPoolExecutor(8) as pool:
            paths = set(pool.map(store, range(8)))
        assert len(paths) == 1 and open_stored(paths.pop()) == content
    assert not list(tmp_path.rglob("*.part"))  # no temporary file left behind
