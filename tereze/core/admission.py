"""Admission control: overload is answered, not suffered.

Each process admits at most `TEREZE_API_CONCURRENCY` API requests at a time. A request beyond that
waits up to `TEREZE_API_QUEUE_SECONDS` for a slot (waiters are woken in arrival order, so those
admitted are served first come, first served) and is otherwise answered at once with
503 Service Unavailable, `Retry-After` and a JSON message, instead of piling up until every request
times out. Pages outside /api/ are not bounded here (the front proxy's waiting room covers them).

The bound matters with threaded or asynchronous workers (`gunicorn -k gthread --threads N`); a
sync worker handles one request at a time and its backlog sits in the listen queue.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"


class AdmissionControl:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = int(getattr(settings, "TEREZE_API_CONCURRENCY", 0))
        self.wait = float(getattr(settings, "TEREZE_API_QUEUE_SECONDS", 0.0))
        self.retry_after = str(max(1, math.ceil(float(getattr(settings, "TEREZE_API_RETRY_AFTER", 1)))))
        self.slots = threading.BoundedSemaphore(self.limit) if self.limit > 0 else None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.slots is None or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        admitted = self.slots.acquire(timeout=self.wait) if self.wait > 0 else self.slots.acquire(blocking=False)
        if not admitted:
            response = JsonResponse({"detail": "the service is at capacity; please retry after "
                                               f"{self.retry_after} s (your request was not processed)"},
                                    status=503)
            response["Retry-After"] = self.retry_after
            return response
        try:
            return self.get_response(request)
        finally:
            self.slots.release()
