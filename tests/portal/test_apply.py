"""Apply online step by step: guide, prefilled details, documents, tier, confirm with a code; drafts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tereze.applications.models import Application
from tereze.applications.states import Status
from tests.factories import PDF, PNG
from tests.portal.helpers import last_code, signed_in_client

pytestmark = pytest.mark.django_db


def start(client: Client, world) -> Application:
    response = client.post(f"/services/{world.service.code}/apply/")
    assert response.status_code == 302, response.content.decode()[:1000]
    return Application.objects.get(status=Status.DRAFT, applicant_iin=world.applicant.iin)


def fill(client: Client, draft: Application, *, upload: bytes = PDF) -> None:
    base = f"/cabinet/drafts/{draft.number}"
    assert client.post(f"{base}/applicant/", {"phone": "+7 701 234 56 78", "email": "a@example.kz",
                                              "address": "Астана, ул. Абая, 1"}).status_code == 302
    assert client.post(f"{base}/documents/", {
        "doc_contract": SimpleUploadedFile("contract.pdf", upload, "application/pdf")}).status_code == 302
    assert client.post(f"{base}/tier/", {"tier_code": "fast"}).status_code == 302


def confirm(client: Client, draft: Application, iin: str) -> object:
    base = f"/cabinet/drafts/{draft.number}/confirm/"
    client.post(base, {"action": "send"})
    return client.post(base, {"action": "confirm", "code": last_code(iin, "confirm")})


def test_guide_lists_documents_and_says_which_register_supplies_them(world) -> None:
    client = signed_in_client(world.applicant)
    html = client.get(f"/services/{world.service.code}/apply/").content.decode()
    assert "Contract of sale" in html or "Договор" in html
    assert "population" in html


def test_apply_anonymous_goes_to_sign_in_and_back(world) -> None:
    response = Client().get(f"/services/{world.service.code}/apply/")
    assert response.status_code == 302
    assert response["Location"] == f"/signin/?next=%2Fservices%2F{world.service.code}%2Fapply%2F"


def test_full_application_online_with_code(world) -> None:
    client = signed_in_client(world.applicant)
    draft = start(client, world)
    assert draft.channel == "portal" and draft.submitted_by == world.citizen and not draft.assisted
    html = client.get(f"/cabinet/drafts/{draft.number}/applicant/").content.decode()
    assert world.applicant.full_name in html and world.applicant.phone in html  # prefilled from the register
    documents_page = client.get(f"/cabinet/drafts/{draft.number}/documents/").content.decode()
    assert 'name="doc_contract"' in documents_page and 'name="doc_identity"' not in documents_page
    assert "supplied by the population register" in documents_page
    fill(client, draft)
    response = confirm(client, draft, world.applicant.iin)
    assert response.status_code == 302 and response["Location"] == f"/cabinet/applications/{draft.number}/"
    application = Application.objects.get(pk=draft.pk)
    assert application.status in (Status.ASSIGNED, Status.ACCEPTED)
    assert application.tier is not None and application.tier.code == "fast"
    assert application.form_data["phone"] == "+7 701 234 56 78"
    assert set(application.documents.values_list("code", flat=True)) == {"contract", "identity"}
    page = client.get(response["Location"]).content.decode()
    assert 'id="receipt"' in page and 'id="timeline"' in page and "of the 2 the standard allows" in page


def test_validation_errors_next_to_the_field_and_nothing_lost(world) -> None:
    client = signed_in_client(world.applicant)
    draft = start(client, world)
    response = client.post(f"/cabinet/drafts/{draft.number}/applicant/",
                           {"phone": "call me", "email": "not-an-email", "address": "Астана, ул. Абая, 1"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a phone number" in html and html.count('class="errorlist') >= 2
    assert 'value="Астана, ул. Абая, 1"' in html and 'value="call me"' in html
    assert 'aria-invalid="true"' in html or "errorlist" in html


def test_upload_rejected_with_clear_message(world, settings) -> None:
    client = signed_in_client(world.applicant)
    draft = start(client, world)
    url = f"/cabinet/drafts/{draft.number}/documents/"
    response = client.post(url, {"doc_contract": SimpleUploadedFile("contract.exe", b"MZ\x90\x00", "application/pdf")})
    assert response.status_code == 422
    assert "not a PDF, JPEG or PNG" in response.content.decode()
    settings.UPLOAD_MAX_BYTES = 1000
    response = client.post(url, {"doc_contract": SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)})
    assert "the limit is 0 KB" in response.content.decode() or "limit is" in response.content.decode()
    assert not draft.documents.exists()
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    assert client.post(url, {"doc_contract": SimpleUploadedFile("scan.png", PNG)}).status_code == 302
    assert draft.documents.get().content_type == "image/png"


def test_confirm_asks_for_missing_documents_before_any_code(world) -> None:
    client = signed_in_client(world.applicant)
    draft = start(client, world)
    html = client.get(f"/cabinet/drafts/{draft.number}/confirm/").content.decode()
    assert 'id="missing"' in html and 'id="send-code"' not in html
    client.post(f"/cabinet/drafts/{draft.number}/confirm/", {"action": "send"})
    from tereze.core.models import Notification

    assert not Notification.objects.filter(topic="portal.code.confirm").exists()


def test_wrong_confirmation_code_keeps_the_draft(world) -> None:
    client = signed_in_client(world.applicant)
    draft = start(client, world)
    fill(client, draft)
    url = f"/cabinet/drafts/{draft.number}/confirm/"
    client.post(url, {"action": "send"})
    right = last_code(world.applicant.iin, "confirm")
    response = client.post(url, {"action": "confirm", "code": f"{(int(right) + 1) % 10**6:06d}"})
    assert response.status_code == 422 and "The code is wrong" in response.content.decode()
    assert Application.objects.get(pk=draft.pk).status == Status.DRAFT


def test_confirmation_code_is_bound_to_its_draft(world) -> None:
    client = signed_in_client(world.applicant)
    first = start(client, world)
    fill(client, first)
    second_response = client.post(f"/services/{world.service.code}/apply/")
    second = Application.objects.get(number=second_response["Location"].split("/")[3])
    fill(client, second)
    client.post(f"/cabinet/drafts/{first.number}/confirm/", {"action": "send"})
    code = last_code(world.applicant.iin, "confirm")
    # Using the first draft's code on the second draft fails.
    response = client.post(f"/cabinet/drafts/{second.number}/confirm/", {"action": "confirm", "code": code})
    assert Application.objects.get(pk=second.pk).status == Status.DRAFT
    assert response.status_code == 422


def test_draft_saved_resumed_and_deleted(world) -> None:
    client = signed_in_client(world.applicant)
    draft = start(client, world)
    response = client.post(f"/cabinet/drafts/{draft.number}/applicant/",
                           {"phone": "+7 701 000 00 00", "address": "Алматы", "save_exit": "1"})
    assert response["Location"] == "/cabinet/"
    cabinet = client.get("/cabinet/").content.decode()
    assert draft.number in cabinet
    resumed = client.get(f"/cabinet/drafts/{draft.number}/applicant/").content.decode()
    assert 'value="+7 701 000 00 00"' in resumed and 'value="Алматы"' in resumed
    assert client.post(f"/cabinet/drafts/{draft.number}/delete/").status_code == 302
    assert Application.objects.get(pk=draft.pk).status == Status.WITHDRAWN
    cabinet = client.get("/cabinet/").content.decode()
    assert draft.number not in cabinet  # a deleted draft is not an application either
    assert client.get(f"/cabinet/drafts/{draft.number}/applicant/").status_code == 404


def test_another_citizen_can_never_see_or_touch_my_draft(world) -> None:
    mine = signed_in_client(world.applicant)
    draft = start(mine, world)
    from tereze.core.models import Person

    other = signed_in_client(Person.objects.get(iin=world.other_citizen.iin))
    for step in ("guide", "applicant", "documents", "tier", "confirm"):
        assert other.get(f"/cabinet/drafts/{draft.number}/{step}/").status_code == 404
    assert other.post(f"/cabinet/drafts/{draft.number}/applicant/", {"phone": "+7 700 000 00 00",
                                                                    "address": "x"}).status_code == 404
    assert other.post(f"/cabinet/drafts/{draft.number}/delete/").status_code == 404
    assert draft.number not in other.get("/cabinet/").content.decode()
    assert Application.objects.get(pk=draft.pk).status == Status.DRAFT


def test_staff_cannot_use_citizen_apply_pages(world) -> None:
    client = Client()
    client.force_login(world.operator)
    response = client.get(f"/services/{world.service.code}/apply/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_apply_pages_refuse_posts_without_csrf_token(world) -> None:
    client = signed_in_client(world.applicant)
    draft = start(client, world)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(f"/services/{world.service.code}/apply/").status_code == 403
    assert strict.post(f"/cabinet/drafts/{draft.number}/applicant/", {"phone": "+7 700 000 00 00",
                                                                     "address": "x"}).status_code == 403
    assert strict.post(f"/cabinet/drafts/{draft.number}/delete/").status_code == 403
    assert strict.post(f"/cabinet/drafts/{draft.number}/confirm/", {"action": "send"}).status_code == 403
