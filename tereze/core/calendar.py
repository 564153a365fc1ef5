"""Kazakhstan's working-day calendar: the only place that knows what a working day is.

Public holidays come from the `holidays` package (country KZ); government-decreed transfers
(WorkingDayTransfer) override them. Transfers are cached per process for a minute.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from functools import lru_cache

import holidays

MAX_WORKING_DAYS = 3650
_TRANSFERS_TTL_SECONDS = 60
_transfers_lock = threading.Lock()
_transfers: tuple[float, dict[dt.date, bool]] = (0.0, {})
# Every intake computes the same few deadlines (today + the standard's days): remembered until the
# transfers they were computed with are read again.
_deadlines: dict[tuple[dt.date, int], dt.date] = {}


class CalendarError(ValueError):
    """Bad input to a calendar computation; str(error) says what."""


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("KZ", years=year).keys())


def _decreed() -> dict[dt.date, bool]:
    """date -> True if made a working day, False if made a day off."""
    global _transfers
    loaded_at, table = _transfers
    if time.monotonic() - loaded_at < _TRANSFERS_TTL_SECONDS:
        return table
    from tereze.core.models import WorkingDayTransfer

    with _transfers_lock:
        table = {
            t.date: t.kind == WorkingDayTransfer.Kind.WORKING_DAY for t in WorkingDayTransfer.objects.all()
        }
        _deadlines.clear()
        _transfers = (time.monotonic(), table)
    return table


def forget_transfers() -> None:
    """Drop the cached transfers (called when an administrator edits them)."""
    global _transfers
    _transfers = (0.0, {})
    _deadlines.clear()


def is_working_day(day: dt.date) -> bool:
    decreed = _decreed().get(day)
    if decreed is not None:
        return decreed
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The date `n` working days after `start` (the start day itself does not count).

    n = 0 gives `start` itself. This is how every statutory deadline in Tereze is computed.
    """
    if not 0 <= n <= MAX_WORKING_DAYS:
        raise CalendarError(f"working_days must be between 0 and {MAX_WORKING_DAYS}, got {n}")
    if not dt.date(1990, 1, 1) <= start <= dt.date(2200, 12, 31):
        raise CalendarError(f"start {start.isoformat()} is outside 1990-2200")
    _decreed()  # reloads the transfers (forgetting the deadlines) when they are due
    key = (start, n)
    found = _deadlines.get(key)
    if found is None:
        day = start
        while n > 0:
            day += dt.timedelta(days=1)
            if is_working_day(day):
                n -= 1
        if len(_deadlines) > 10_000:
            _deadlines.clear()
        found = _deadlines[key] = day
    return found


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += is_working_day(day)
    return count


def next_working_day(day: dt.date) -> dt.date:
    return add_working_days(day, 1)
