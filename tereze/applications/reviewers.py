"""Drawing the official who reviews an application: at random, weighted towards fewer open cases.

Counting every official's open cases on each draw costs a query that grows with the backlog (on a
day of 100,000 applications it dominates intake). So each process reads the counts of a body at
most every `TEREZE_DRAW_REFRESH_SECONDS`, one thread at a time, and, between reads, counts its own
assignments itself. Other processes' assignments in that window are seen at the next read; any
other change of a case in this process (decision, withdrawal, reassignment) makes the next draw
read again. However often that is asked for, reading takes at most `READ_SHARE` of the process's
time: with 290,000 open cases the query took 180 ms, and reading every 2 s in each process was a
sixth of the database's CPU. Saving any account (an official joining, leaving or moving body)
drops the counts at once; another process may still draw a just-deactivated official until its
next read, and the body supervisor's reassignment covers it.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.signals import post_save
from django.dispatch import receiver

from tereze.applications.states import OPEN_AT_BODY
from tereze.core.models import User
from tereze.core.roles import Role

_random = secrets.SystemRandom()
_lock = threading.Lock()
# Reading a body's counts may take at most this share of a process's time: the query grows with the
# backlog (90 ms at 150,000 open cases), so a bigger backlog is read less often. Its weights then
# drift less, too: a few seconds of assignments are a small share of a large backlog.
READ_SHARE = 0.02


@dataclass
class _Counts:
    read_at: float  # time.monotonic() when read
    took: float  # seconds the read took
    officials: dict[int, list]  # type: ignore[type-arg]  # official id -> [email, language, open cases]
    stale: bool = False  # a case of the body changed in this process since the read


_counts: dict[int, _Counts] = {}  # body id -> its officials' open cases
_reading: set[int] = set()  # bodies whose counts a thread of this process is reading now


@dataclass(frozen=True)
class Official:
    """Who was drawn: enough to assign and to write to them, without loading the account."""

    pk: int
    email: str
    language: str


def _read_due(counts: _Counts) -> bool:
    age = time.monotonic() - counts.read_at
    if age < counts.took / READ_SHARE:
        return False
    return counts.stale or age >= float(settings.TEREZE_DRAW_REFRESH_SECONDS)


def _officials(body_id: int) -> dict[int, list]:  # type: ignore[type-arg]
    """The body's officials with their open cases: read again when due, by one thread at a time (the
    others go on with the counts they have)."""
    with _lock:
        counts = _counts.get(body_id)
        if counts is not None and (body_id in _reading or not _read_due(counts)):
            return counts.officials
        _reading.add(body_id)
    try:
        started = time.monotonic()
        rows = (User.objects.filter(role=Role.OFFICIAL, body_id=body_id, is_active=True)
                .annotate(open_cases=Count("assigned_applications",
                                           filter=Q(assigned_applications__status__in=OPEN_AT_BODY)))
                .order_by("pk").values_list("pk", "email", "language", "open_cases"))
        officials = {pk: [email, language, open_cases] for pk, email, language, open_cases in rows}
        done = time.monotonic()
        with _lock:
            _counts[body_id] = _Counts(read_at=done, took=done - started, officials=officials)
        return officials
    finally:
        with _lock:
            _reading.discard(body_id)


def draw_official(body_id: int, *, exclude: int | None = None) -> Official | None:
    """An active official of the body, drawn with weight 1 / (1 + open cases); None when it has none."""
    candidates = [(pk, data) for pk, data in _officials(body_id).items() if pk != exclude]
    if not candidates:
        return None
    pk, (email, language, _open) = _random.choices(
        candidates, weights=[1.0 / (1 + data[2]) for _pk, data in candidates], k=1)[0]
    return Official(pk=pk, email=email, language=language)


def count_assignment(body_id: int, official_id: int) -> None:
    """This process assigned a case (committed): weigh it until the next read."""
    with _lock:
        counts = _counts.get(body_id)
        if counts is not None and official_id in counts.officials:
            counts.officials[official_id][2] += 1


def forget_open_cases(body_id: int | None = None) -> None:
    """A case of the body changed here: read its counts again when the read is due. Without a body
    (an account changed: someone may have joined, left or moved): drop every count, read at once."""
    with _lock:
        if body_id is None:
            _counts.clear()
        elif body_id in _counts:
            _counts[body_id].stale = True


@receiver(post_save, sender=User, dispatch_uid="reviewers-forget-on-account-change")
def _account_changed(**_kwargs: object) -> None:
    forget_open_cases()
