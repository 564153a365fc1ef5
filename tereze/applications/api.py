from __future__ import annotations

import base64
import binascii

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Header, Router, Status
from ninja.security import django_auth

from tereze.applications import actions
from tereze.applications.models import Application
from tereze.applications.schemas import ApplicationIn, ApplicationOut, DecisionIn, ErrorOut, ReassignIn
from tereze.applications.selectors import application_get, timeline
from tereze.core.errors import ValidationFailed
from tereze.core.http import request_user
from tereze.core.models import User
from tereze.core.tokens import BearerAuth

router = Router(tags=["applications"], auth=[BearerAuth(), django_auth])
ERRORS: dict[int, type] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def application_out(application: Application, viewer: User, *, with_timeline: bool = True) -> ApplicationOut:
    result = getattr(application, "result", None) if application.status in ("result_ready", "issued") else None
    return ApplicationOut(
        number=application.number, service_code=application.service.code, status=application.status,
        channel=application.channel, body=application.body.code, due_date=application.due_date,
        receipt_url=reverse("application-receipt", args=[application.number]),
        result_verification_code=result.verification_code if result else None,
        timeline=timeline(application, viewer=viewer) if with_timeline else [],  # type: ignore[arg-type]
    )


def _decode(document_code: str, content: str) -> bytes:
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(f"document {document_code}: content_base64 is not valid base64",
                               {f"documents.{document_code}": "not valid base64"}) from None


@router.post("", response={201: ApplicationOut, **ERRORS}, summary="Submit an application (any channel)")
def submit(
    request: HttpRequest, payload: ApplicationIn, response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
) -> Status[ApplicationOut]:
    """Intake: checked against the standard in force; 422 lists everything missing or wrong.
    Repeating a request with the same Idempotency-Key returns the same application."""
    submission = actions.Submission(
        service_code=payload.service_code, applicant_id=payload.applicant_id.strip(), channel=payload.channel,
        tier_code=payload.tier_code, form_data=payload.form_data, language=payload.language,
        documents=[actions.Upload(code=d.code, file_name=d.file_name, content=_decode(d.code, d.content_base64))
                   for d in payload.documents],
        arrived_at=getattr(request, "arrived_at", None),
    )
    viewer = request_user(request)
    application, created = actions.application_submit(submission=submission, actor=viewer,
                                                      idempotency_key=idempotency_key)
    if not created:
        response["Idempotent-Replayed"] = "true"
    return Status(201, application_out(application, viewer, with_timeline=False))


@router.get("/{number}", response={200: ApplicationOut, **ERRORS}, summary="An application and its timeline")
def detail(request: HttpRequest, number: str) -> ApplicationOut:
    viewer = request_user(request)
    return application_out(application_get(number=number, viewer=viewer), viewer)


@router.post("/{number}/decision", response={200: ApplicationOut, **ERRORS}, summary="Decide (assigned official)")
def decide(request: HttpRequest, number: str, payload: DecisionIn) -> ApplicationOut:
    viewer = request_user(request)
    application = application_get(number=number, viewer=viewer, audit=False)
    application = actions.application_decide(application=application, official=viewer, decision=payload.decision,
                                             ground_code=payload.ground_code, reason=payload.reason,
                                             document_code=payload.document_code)
    return application_out(application, viewer)


@router.post("/{number}/reassign", response={200: ApplicationOut, **ERRORS},
             summary="Redraw the reviewer (body supervisor, with a reason)")
def reassign(request: HttpRequest, number: str, payload: ReassignIn) -> ApplicationOut:
    viewer = request_user(request)
    application = application_get(number=number, viewer=viewer, audit=False)
    return application_out(actions.application_reassign(application=application, supervisor=viewer,
                                                         reason=payload.reason), viewer)


@router.post("/{number}/withdraw", response={200: ApplicationOut, **ERRORS}, summary="Withdraw (applicant)")
def withdraw(request: HttpRequest, number: str) -> ApplicationOut:
    viewer = request_user(request)
    application = application_get(number=number, viewer=viewer, audit=False)
    return application_out(actions.application_withdraw(application=application, actor=viewer), viewer)
