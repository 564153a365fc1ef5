from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class TicketIn(BaseModel):
    kind: str = Field("application", description="application, consultation or result")
    service_code: str | None = Field(None, max_length=16)
    iin: str = Field("", max_length=12, description="IIN (or BIN); required to apply or collect a result")
    priority: str = Field("none", description="none, elderly, disabled, pregnant or veteran")


class CheckInIn(BaseModel):
    code: str = Field(max_length=12)
    iin: str = Field(max_length=12)


class TicketOut(BaseModel):
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


class TransferIn(BaseModel):
    service_code: str | None = Field(None, max_length=16)
    counter_id: int | None = None
    reason: str = Field("", max_length=500)


class StartIn(BaseModel):
    priority_proof_checked: bool | None = None


class OverrideIn(BaseModel):
    counter_id: int
    reason: str = Field(max_length=1000)


class BoardCallOut(BaseModel):
    number: str
    counter: int | None
    status: str
    called_at: dt.datetime | None
    recalls: int
    announce: dict[str, str]


class BoardOut(BaseModel):
    centre: str
    waiting: int
    at: dt.datetime
    calls: list[BoardCallOut]


class SlotsIn(BaseModel):
    service: str = Field(max_length=16)
    date: dt.date


class SlotOut(BaseModel):
    start: dt.datetime
    minutes: int
    capacity: int
    free: int


class AppointmentIn(BaseModel):
    service_code: str = Field(max_length=16)
    iin: str = Field(max_length=12)
    slot_start: dt.datetime
    channel: str = Field("portal", pattern="^(portal|phone|centre)$")


class AppointmentOut(BaseModel):
    id: int
    code: str
    centre: str
    service_code: str
    slot_start: dt.datetime
    slot_minutes: int
    status: str
