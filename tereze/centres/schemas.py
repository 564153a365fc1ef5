from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class TicketIn(Schema):
    kind: str = Field("application", description="application, consultation or result")
    service_code: str | None = Field(None, max_length=16)
    iin: str = Field("", max_length=12, description="IIN (or BIN); required to apply or collect a result")
    priority: str = Field("none", description="none, elderly, disabled, pregnant or veteran")


class CheckInIn(Schema):
    code: str = Field(max_length=12)
    iin: str = Field(max_length=12)


class TicketOut(Schema):
    id: int
    number: str
    kind: str
    service_code: str | None
    status: str
    priority: str
    counter: int | None
    position: int | None
    wait_minutes: int
    status_url: str


class TransferIn(Schema):
    service_code: str | None = Field(None, max_length=16)
    counter_id: int | None = None
    reason: str = Field("", max_length=500)


class StartIn(Schema):
    priority_proof_checked: bool | None = None


class OverrideIn(Schema):
    counter_id: int
    reason: str = Field(max_length=1000)


class BoardCallOut(Schema):
    number: str
    counter: int | None
    status: str
    called_at: dt.datetime | None
    recalls: int
    announce: dict[str, str]


class BoardOut(Schema):
    centre: str
    waiting: int
    at: dt.datetime
    calls: list[BoardCallOut]


class SlotsIn(Schema):
    service: str = Field(max_length=16)
    date: dt.date


class SlotOut(Schema):
    start: dt.datetime
    minutes: int
    capacity: int
    free: int


class AppointmentIn(Schema):
    service_code: str = Field(max_length=16)
    iin: str = Field(max_length=12)
    slot_start: dt.datetime
    channel: str = Field("portal", pattern="^(portal|phone|centre)$")


class AppointmentOut(Schema):
    id: int
    code: str
    centre: str
    service_code: str
    slot_start: dt.datetime
    slot_minutes: int
    status: str
