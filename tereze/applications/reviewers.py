"""Drawing the official who reviews an application: at random, weighted towards fewer open cases.

Counting every official's open cases on each draw costs a query that grows with the backlog (on a
day of 100,000 applications it dominates intake). So each process reads the counts of a body at
most every `TEREZE_DRAW_REFRESH_SECONDS` and, between reads, counts its own assignments itself.
Other processes' assignments in that window are seen at the next read; any other change of a case
in this process (decision, withdrawal, reassignment) forgets the body's counts at once, and so does
saving any account (an official joining, leaving or moving body). Another process may still draw a
just-deactivated official within that window; the body supervisor's reassignment covers it.
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
# body id -> (when read, {official id: [email, language, open cases]})
_open_cases: dict[int, tuple[float, dict[int, list]]] = {}  # type: ignore[type-arg]


@dataclass(frozen=True)
class Official:
    """Who was drawn: enough to assign and to write to them, without loading the account."""

    pk: int
    email: str
    language: str


def _officials(body_id: int) -> dict[int, list]:  # type: ignore[type-arg]
    refresh = float(settings.TEREZE_DRAW_REFRESH_SECONDS)
    cached = _open_cases.get(body_id)
    if cached is not None and time.monotonic() - cached[0] < refresh:
        return cached[1]
    rows = (User.objects.filter(role=Role.OFFICIAL, body_id=body_id, is_active=True)
            .annotate(open_cases=Count("assigned_applications",
                                       filter=Q(assigned_applications__status__in=OPEN_AT_BODY)))
            .order_by("pk").values_list("pk", "email", "language", "open_cases"))
    officials = {pk: [email, language, open_cases] for pk, email, language, open_cases in rows}
    with _lock:
        _open_cases[body_id] = (time.monotonic(), officials)
    return officials


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
    cached = _open_cases.get(body_id)
    if cached is not None and official_id in cached[1]:
        with _lock:
            cached[1][official_id][2] += 1


def forget_open_cases(body_id: int | None = None) -> None:
    with _lock:
        if body_id is None:
            _open_cases.clear()
        else:
            _open_cases.pop(body_id, None)


@receiver(post_save, sender=User, dispatch_uid="reviewers-forget-on-account-change")
def _account_changed(**_kwargs: object) -> None:
    forget_open_cases()
