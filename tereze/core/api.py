from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from tereze.core.calendar import MAX_WORKING_DAYS, CalendarError, add_working_days
from tereze.core.errors import ValidationFailed

router = Router(tags=["calendar"])


class DeadlineIn(Schema):
    start: dt.date = Field(description="first day, YYYY-MM-DD (it does not count)")
    working_days: int = Field(ge=0, le=MAX_WORKING_DAYS)


class DeadlineOut(Schema):
    due: dt.date


@router.get("/deadline", response=DeadlineOut, auth=None, summary="Due date N working days after start")
def deadline(request: HttpRequest, params: Query[DeadlineIn]) -> DeadlineOut:
    try:
        return DeadlineOut(due=add_working_days(params.start, params.working_days))
    except CalendarError as error:
        raise ValidationFailed(str(error), {"start": str(error)}) from None
