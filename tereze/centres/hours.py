"""When a centre is open: its weekly hours, minus public holidays and its own closed days.

Saturdays are working days for centres (they open Monday to Saturday) although they are not for
statutory deadlines, so this does not use `is_working_day`; a decreed transfer still counts: a
day decreed a day off closes the centre, a holiday decreed a working day opens it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

from tereze.centres.models import Centre


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("KZ", years=year).keys())


def is_public_holiday(day: dt.date) -> bool:
    from tereze.core.models import WorkingDayTransfer

    decreed = WorkingDayTransfer.objects.filter(date=day).values_list("kind", flat=True).first()
    if decreed is not None:
        return decreed == WorkingDayTransfer.Kind.DAY_OFF
    return day in _public_holidays(day.year)


def hours_on(centre: Centre, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    """(opens, closes) as aware datetimes in the local time zone, or None when closed that day."""
    hours = (centre.opening_hours or {}).get(str(day.weekday()))
    if not hours or day.isoformat() in (centre.days_closed or []) or is_public_holiday(day):
        return None
    tz = timezone.get_default_timezone() if settings.USE_TZ else None
    opens, closes = (dt.time.fromisoformat(h) for h in hours)
    return dt.datetime.combine(day, opens, tzinfo=tz), dt.datetime.combine(day, closes, tzinfo=tz)


def is_open_at(centre: Centre, moment: dt.datetime) -> bool:
    local = timezone.localtime(moment)
    hours = hours_on(centre, local.date())
    return hours is not None and hours[0] <= local < hours[1]
