"""The production server's worker: gunicorn's threaded worker that notes when each request arrived.

A threaded gunicorn worker reads a request only when one of its threads is free; until then the
request waits in the worker's queue, where Django cannot see it. This worker stamps the moment a
request's first bytes became readable (`environ["tereze.arrived_at"]`, seconds since the epoch), so
admission control (tereze/core/admission.py) counts that wait against the request's patience and
records the true arrival as the moment of submission.

Under overload the worker's queue is served newest first, except that a request which has already
waited past its patience (`TEREZE_API_QUEUE_SECONDS`) is taken first, to be refused at once. First
come, first served would let the queue's wait grow past every request's patience, and then every
request would be refused (goodput zero); newest first alone would leave the oldest to time out
unanswered. This way the server keeps serving at capacity and every refused request gets its 503
with an arrival ticket promptly, so it keeps its place (the order of submission is the arrival
stamp, not the order of processing). Without overload the queue is short and the order moot.

    gunicorn tereze.wsgi -k tereze.server.StampedThreadWorker --threads 4 -w 4
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

ARRIVED_AT = "tereze.arrived_at"
_handling = threading.local()


def _waited(item: Any, now: float) -> float:
    """How long a queued request (the thread pool's work item for a connection) has waited."""
    args = getattr(item, "args", None)
    arrived = getattr(args[0], "tereze_arrived_at", None) if args else None
    return now - arrived if arrived else 0.0


class OverloadQueue(queue.Queue):  # type: ignore[type-arg]
    """The thread pool's queue: newest first, but an expired request first of all (see above)."""

    patience: float | None = None

    def _init(self, maxsize: int) -> None:
        self.queue: collections.deque[Any] = collections.deque()

    def _put(self, item: Any) -> None:
        self.queue.append(item)

    def _get(self) -> Any:
        if self.patience is None:
            from django.conf import settings  # configured once the worker has loaded the application

            self.patience = float(settings.TEREZE_API_QUEUE_SECONDS)
        if self.patience and self.queue and _waited(self.queue[0], time.time()) > self.patience:
            return self.queue.popleft()
        return self.queue.pop()


class StampedThreadWorker(ThreadWorker):  # type: ignore[misc]
    ACCEPT_AT_ONCE = 64

    def get_thread_pool(self) -> futures.ThreadPoolExecutor:
        pool = super().get_thread_pool()
        pool._work_queue = OverloadQueue()  # type: ignore[attr-defined]
        return pool  # type: ignore[no-any-return]

    def accept(self, server: Any, listener: Any) -> None:
        """Take every waiting connection, not one per wake-up: in a burst the accepting thread shares
        the GIL with busy request threads, and arrivals left in the kernel's queue are unseen."""
        for _ in range(self.ACCEPT_AT_ONCE):
            before = self.nr_conns
            super().accept(server, listener)
            if self.nr_conns == before or self.nr_conns >= self.worker_connections:
                break  # nothing more waiting (or this worker is full)

    def enqueue_req(self, conn: Any) -> None:
        conn.tereze_arrived_at = time.time()  # readable now: it waits for a thread from here on
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        _handling.arrived_at = getattr(conn, "tereze_arrived_at", None)
        return super().handle(conn)

    def load_wsgi(self) -> None:
        super().load_wsgi()
        application: Callable[..., Iterable[bytes]] = self.wsgi  # type: ignore[has-type]

        def stamped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            environ[ARRIVED_AT] = getattr(_handling, "arrived_at", None)
            return application(environ, start_response)

        self.wsgi = stamped
