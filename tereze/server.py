"""The production server's worker: gunicorn's threaded worker that notes when each request arrived.

A threaded gunicorn worker reads a request only when one of its threads is free; until then the
request waits in the worker's queue, where Django cannot see it. This worker stamps the moment a
request's first bytes became readable (`environ["tereze.arrived_at"]`, seconds since the epoch), so
admission control (tereze/core/admission.py) counts that wait against the request's patience and
records the true arrival as the moment of submission.

    gunicorn tereze.wsgi -k tereze.server.StampedThreadWorker --threads 4 -w 4
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

ARRIVED_AT = "tereze.arrived_at"
_handling = threading.local()


class StampedThreadWorker(ThreadWorker):  # type: ignore[misc]
    ACCEPT_AT_ONCE = 64

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
