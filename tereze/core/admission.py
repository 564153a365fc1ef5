"""Admission control: overload is answered, not suffered, and nobody loses their place.

Each process admits at most `TEREZE_API_CONCURRENCY` API requests at a time. A request beyond that
waits up to `TEREZE_API_QUEUE_SECONDS` for a slot (waiters are woken in arrival order) and is
otherwise answered at once with 503 Service Unavailable, `Retry-After` and a JSON message, instead
of piling up until every request times out. Pages outside /api/ are not bounded here (the front
proxy's waiting room covers them).

Arrival order across processes and retries: every API request is stamped with the moment it
arrived (`request.arrived_at`): when its worker first saw it (tereze/server.py), or now; time spent
waiting for a thread counts against `TEREZE_API_QUEUE_SECONDS`. Intake records the arrival as the
moment of submission. A 503 to a request
with an Idempotency-Key carries an arrival ticket (header `Arrival-Ticket`, also in the body): the
first arrival time, signed and bound to that key. The retry that sends it back is stamped with the
first arrival, so an applicant told to come back keeps their place in the order of submission,
whichever worker admits them. Tickets older than `TEREZE_ARRIVAL_TICKET_SECONDS`, forged, or sent
with another key are ignored (the request counts as arriving now).

The bound matters with threaded or asynchronous workers (`gunicorn -k gthread --threads N`); a
sync worker handles one request at a time and its backlog sits in the listen queue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse

from tereze.core import clock
from tereze.server import ARRIVED_AT

API_PREFIX = "/api/"
TICKET_HEADER = "Arrival-Ticket"
_signer = signing.Signer(salt="tereze.admission.arrival")


def _bound_to(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def arrival_ticket(arrived_at: dt.datetime, idempotency_key: str) -> str:
    return _signer.sign(f"{arrived_at.timestamp():.6f}:{_bound_to(idempotency_key)}")


def ticket_arrival(ticket: str, idempotency_key: str, *, now: dt.datetime) -> dt.datetime | None:
    """The first arrival a ticket vouches for, or None when it is forged, stale or for another key."""
    try:
        stamp, bound = _signer.unsign(ticket).split(":", 1)
        arrived_at = dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
    except (signing.BadSignature, ValueError, OverflowError):
        return None
    max_age = dt.timedelta(seconds=float(settings.TEREZE_ARRIVAL_TICKET_SECONDS))
    if bound != _bound_to(idempotency_key) or not now - max_age <= arrived_at <= now:
        return None
    return arrived_at


class DecayingCount:
    """Events over roughly the last `horizon` seconds (exponential decay, so no buckets to keep)."""

    def __init__(self, horizon: float = 5.0) -> None:
        self.horizon, self.count, self.at = horizon, 0.0, time.monotonic()
        self.lock = threading.Lock()

    def _decayed(self, now: float) -> float:
        return self.count * math.exp(-(now - self.at) / self.horizon)

    def add(self) -> None:
        with self.lock:
            now = time.monotonic()
            self.count, self.at = self._decayed(now) + 1.0, now

    def value(self) -> float:
        with self.lock:
            return self._decayed(time.monotonic())


class Crowd:
    """How many this process refused for each one it can admit (the middleware and the server
    worker's door both count), and so how long to tell the next one refused to wait."""

    PACE_HORIZON = 60.0  # seconds over which the best admission pace seen is remembered
    FIRST_SERVICE_TIME = 0.05  # seconds an API request is assumed to take until some have been timed

    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        self.admitted, self.refused = DecayingCount(), DecayingCount()
        self.best_pace, self.best_pace_at = 0.0, time.monotonic()
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        # Moving average of an admitted request's seconds, from an assumed first figure: a process's
        # first requests are slow (connections, caches) and would otherwise set it alone.
        self.service_time = self.FIRST_SERVICE_TIME

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """Count an admitted request while it runs, and how long it took."""
        started = time.monotonic()
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            yield
        finally:
            took = time.monotonic() - started
            with self.lock:
                self.in_flight -= 1
                self.service_time = 0.9 * self.service_time + 0.1 * took

    def capacity(self) -> float:
        """Admissions this process can make over the counting horizon, whether or not that many come:
        as many as it has run at once, each taking the usual time."""
        return self.admitted.horizon * max(1, self.most_in_flight) / self.service_time

    def pace(self) -> float:
        """Admitted over the last seconds, the best such figure of the last minute, or the capacity,
        whichever is highest. Few are admitted when few come, not because few can be: when a crowd
        thins out, or when it falls on a process that was idle, dividing by what was admitted would
        tell those refused to wait the longest while the server has room."""
        now = time.monotonic()
        remembered = self.best_pace * math.exp(-(now - self.best_pace_at) / self.PACE_HORIZON)
        current = self.admitted.value()
        if current >= remembered:
            self.best_pace, self.best_pace_at = current, now
        return max(current, remembered, self.capacity())

    def refuse(self) -> int:
        """Count one refused and say how long it should wait: the base, stretched by the refused per
        admitted at this process's pace, so a crowd ten times the capacity comes back in about ten rounds."""
        base = max(1.0, float(settings.TEREZE_API_RETRY_AFTER))
        ratio = self.refused.value() / max(self.pace(), 1.0)
        self.refused.add()
        return math.ceil(min(max(base, float(settings.TEREZE_API_RETRY_AFTER_MAX)), base * (1 + ratio)))


crowd = Crowd()


def arrival(*, key: str, ticket: str, here: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The arrival to record: the first one, when the request brings a good ticket for its key."""
    return (ticket_arrival(ticket, key, now=now) if ticket and key else None) or here


def refusal(arrived_at: dt.datetime, key: str) -> tuple[dict[str, str], dict[str, str]]:
    """The 503's JSON body and headers (Retry-After, the arrival ticket when there is a key to bind
    it to); counts the refusal."""
    retry_after = crowd.refuse()
    body = {"detail": f"the service is at capacity; please retry after {retry_after} s "
                      "(your request was not processed)"}
    headers = {"Retry-After": str(retry_after)}
    if key:
        body["detail"] += f"; send the {TICKET_HEADER} header back with the same Idempotency-Key to keep your place"
        body["arrival_ticket"] = headers[TICKET_HEADER] = arrival_ticket(arrived_at, key)
    return body, headers


def waiting_room_page(retry_after: int) -> str:
    """For browsers turned away at the door: says so in the three languages and tries again itself."""
    lines = [("kk", "Қазір өтініш көп. Бет {n} секундтан кейін өзі жаңарады."),
             ("ru", "Сейчас очень много обращений. Страница обновится сама через {n} с."),
             ("en", "We are very busy right now. This page will try again by itself in {n} s.")]
    text = "".join(f'<p lang="{lang}">{line.format(n=retry_after)}</p>' for lang, line in lines)
    return (f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta http-equiv="refresh" '
            f'content="{retry_after}"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Tereze</title></head><body><main>{text}</main></body></html>")


class AdmissionControl:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = int(getattr(settings, "TEREZE_API_CONCURRENCY", 0))
        self.wait = float(getattr(settings, "TEREZE_API_QUEUE_SECONDS", 0.0))
        self.slots = threading.BoundedSemaphore(self.limit) if self.limit > 0 else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        now = clock.now()
        seen = request.META.get(ARRIVED_AT)
        here = min(now, dt.datetime.fromtimestamp(seen, tz=dt.UTC)) if seen else now
        key = request.headers.get("Idempotency-Key", "")
        request.arrived_at = arrival(key=key, ticket=request.headers.get(TICKET_HEADER, ""),  # type: ignore[attr-defined]
                                     here=here, now=now)
        if self.slots is None:
            return self.serve(request)
        if self.wait > 0:
            patience = self.wait - (now - here).total_seconds()  # what it already waited for a thread counts
            admitted = patience > 0 and self.slots.acquire(timeout=patience)
        else:
            admitted = self.slots.acquire(blocking=False)
        if not admitted:
            body, headers = refusal(request.arrived_at, key)  # type: ignore[attr-defined]
            response = JsonResponse(body, status=503)
            for name, value in headers.items():
                response[name] = value
            return response
        try:
            return self.serve(request)
        finally:
            self.slots.release()

    def serve(self, request: HttpRequest) -> HttpResponse:
        crowd.admitted.add()
        with crowd.serving():
            return self.get_response(request)
