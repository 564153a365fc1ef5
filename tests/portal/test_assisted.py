"""Assisted digital: a centre consultant helps a citizen apply with the same forms; the citizen
agrees with one code and confirms the application with another."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tereze.applications.models import Application
from tereze.applications.states import Status
from tereze.core.models import AuditEntry
from tests import factories
from tests.factories import PDF
from tests.portal.helpers import last_code, signed_in_client

pytestmark = pytest.mark.django_db


def consultant_client(world) -> tuple[Client, object]:
    consultant = factories.staff("consultant", centre_id=world.centre.pk)
    client = Client()
    client.force_login(consultant)
    return client, consultant


def open_session(client: Client, iin: str) -> None:
    assert client.post("/assist/", {"action": "send", "iin": iin}).status_code == 302
    response = client.post("/assist/", {"action": "confirm", "code": last_code(iin, "assist")})
    assert response.status_code == 302 and response["Location"] == "/assist/session/", response.content[:3000]


def test_assisted_application_recorded_as_assisted_and_confirmed_by_the_citizen(world) -> None:
    client, consultant = consultant_client(world)
    assert client.get(f"/services/{world.service.code}/apply/")["Location"] == "/assist/"  # no session yet
    open_session(client, world.applicant.iin)
    assert world.applicant.full_name in client.get("/assist/session/").content.decode()
    client.post(f"/services/{world.service.code}/apply/")
    draft = Application.objects.get(status=Status.DRAFT)
    assert draft.assisted and draft.submitted_by == consultant and draft.applicant_iin == world.applicant.iin
    base = f"/cabinet/drafts/{draft.number}"
    assert "Assisted session" in client.get(f"{base}/applicant/").content.decode()
    client.post(f"{base}/applicant/", {"phone": "+7 701 234 56 78", "address": "Астана"})
    client.post(f"{base}/documents/", {"doc_contract": SimpleUploadedFile("c.pdf", PDF)})
    client.post(f"{base}/tier/", {"tier_code": ""})
    client.post(f"{base}/confirm/", {"action": "send"})
    response = client.post(f"{base}/confirm/", {"action": "confirm", "code": last_code(world.applicant.iin, "confirm")})
    assert response.status_code == 302 and response["Location"] == f"/applications/{draft.number}/receipt/"
    application = Application.objects.get(pk=draft.pk)
    assert application.assisted and application.status in (Status.ACCEPTED, Status.ASSIGNED)
    assert application.centre_id == world.centre.pk
    # The citizen sees it in their cabinet, and sees that the centre looked at their data.
    citizen = signed_in_client(world.applicant)
    assert draft.number in citizen.get("/cabinet/").content.decode()
    log = citizen.get("/cabinet/data-access/").content.decode()
    assert world.centre.name_en in log and consultant.username not in log
    assert AuditEntry.objects.filter(action="portal.assist.open", subject_iin=world.applicant.iin).exists()


def test_without_the_citizens_code_no_session_opens(world) -> None:
    client, _ = consultant_client(world)
    client.post("/assist/", {"action": "send", "iin": world.applicant.iin})
    right = last_code(world.applicant.iin, "assist")
    response = client.post("/assist/", {"action": "confirm", "code": f"{(int(right) + 1) % 10**6:06d}"})
    assert response.status_code == 200 and "The code is wrong" in response.content.decode()
    assert client.get("/assist/session/")["Location"] == "/assist/"


def test_consultant_cannot_touch_drafts_of_another_citizen_or_the_citizens_own(world) -> None:
    citizen = signed_in_client(world.applicant)
    citizen.post(f"/services/{world.service.code}/apply/")
    own_draft = Application.objects.get(status=Status.DRAFT)
    client, _ = consultant_client(world)
    open_session(client, world.other_citizen.iin)
    assert client.get(f"/cabinet/drafts/{own_draft.number}/applicant/").status_code == 404
    open_session_again = Client()
    open_session_again.force_login(factories.staff("consultant", centre_id=world.centre.pk))
    assert open_session_again.get(f"/cabinet/drafts/{own_draft.number}/applicant/")["Location"] == "/assist/"


def test_only_consultants_open_assisted_sessions(world) -> None:
    client = Client()
    client.force_login(world.operator)
    assert client.get("/assist/").status_code == 403
    citizen = signed_in_client(world.applicant)
    assert citizen.get("/assist/").status_code == 403
