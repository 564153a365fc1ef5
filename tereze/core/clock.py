"""The time every action reads. `frozen(at)` replays history (the demo generator) or pins a test
to a date; in normal operation it is simply the current time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_frozen: ContextVar[dt.datetime | None] = ContextVar("tereze_frozen_time", default=None)


def now() -> dt.datetime:
    return _frozen.get() or timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


@contextmanager
def frozen(at: dt.datetime) -> Iterator[dt.datetime]:
    if timezone.is_naive(at):
        raise ValueError("frozen() needs a timezone-aware datetime")
    token = _frozen.set(at)
    try:
        yield at
    finally:
        _frozen.reset(token)
