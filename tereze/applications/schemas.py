"""Bodies of the write-heavy APIs (applications, the queue): plain pydantic models, which validate about
ten times faster than ninja's Schema; that one resolves attributes of model instances, which these
never read (registry/api.py does)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class DocumentIn(BaseModel):
    code: str = Field(max_length=32)
    file_name: str = Field(max_length=200)
    content_base64: str = Field(description="the file, base64-encoded (PDF, JPEG or PNG)")


class ApplicationIn(BaseModel):
    service_code: str = Field(max_length=16)
    applicant_id: str = Field(max_length=20, description="IIN of the applicant, or BIN of a business")
    channel: str = Field(max_length=12, description="centre, portal, body, post, call_centre or api")
    tier_code: str | None = Field(None, max_length=32)
    form_data: dict[str, Any] = Field(default_factory=dict)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=30)
    language: str = Field("ru", pattern="^(kk|ru|en)$")


class EventOut(BaseModel):
    kind: str
    from_status: str
    to_status: str
    at: dt.datetime
    body: str
    centre: str | None
    actor_role: str
    payload: dict[str, Any]


class ApplicationOut(BaseModel):
    number: str
    service_code: str
    status: str
    channel: str
    body: str
    due_date: dt.date | None
    receipt_url: str
    result_verification_code: str | None = None
    timeline: list[EventOut] = Field(default_factory=list)


class DecisionIn(BaseModel):
    decision: str = Field(description="approve, refuse or return")
    ground_code: str = Field("", max_length=32, description="refusal ground of the standard (refuse)")
    document_code: str = Field("", max_length=64, description="document or field:<name> to correct (return)")
    reason: str = Field("", max_length=2000)


class ReassignIn(BaseModel):
    reason: str = Field(max_length=2000)


class ErrorOut(BaseModel):
    detail: str
