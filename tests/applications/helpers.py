from __future__ import annotations

import base64
from typing import Any

from django.test import Client

from tereze.applications import actions
from tereze.applications.models import Application
from tereze.core.models import User
from tereze.core.tokens import token_issue
from tests.factories import PDF


def submission(world: Any, **overrides: Any) -> actions.Submission:
    fields: dict[str, Any] = dict(service_code=world.service.code, applicant_id=world.applicant.iin,
                                  channel="centre",
                                  documents=[actions.Upload(code="contract", file_name="contract.pdf", content=PDF)])
    return actions.Submission(**{**fields, **overrides})


def submit(world: Any, actor: User | None = None, **overrides: Any) -> Application:
    application, _ = actions.application_submit(submission=submission(world, **overrides),
                                                actor=actor or world.operator)
    return application


def api_client(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user)}")


def api_payload(world: Any, **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "service_code": world.service.code, "applicant_id": world.applicant.iin, "channel": "centre",
        "documents": [{"code": "contract", "file_name": "contract.pdf",
                       "content_base64": base64.b64encode(PDF).decode()}],
    }
    return {**payload, **overrides}
