"""The production server's worker: gunicorn's threaded worker that notes when each request arrived
and turns the surplus away at the door.

A threaded gunicorn worker reads a request only when one of its threads is free; until then the
request waits in the worker's queue, where Django cannot see it. This worker

- stamps the moment a request's first bytes became readable (`environ["tereze.arrived_at"]`,
  seconds since the epoch), so admission control (tereze/core/admission.py) counts that wait
  against the request's patience and records the true arrival as the moment of submission;
- answers a new connection's request itself, with 503, `Retry-After` and an arrival ticket (API)
  or a self-refreshing waiting-room page (browsers), when `TEREZE_SERVER_QUEUE_LIMIT` requests
  already wait for a thread. Refusing through Django costs about as much as a small request;
  at the door it costs a few tens of microseconds, so a crowd ten times the capacity cannot
  leave the worker busy only refusing (and every request gets an answer, none a time-out);
- takes a new connection while it has a thread to spare, and leaves it to the other workers for
  up to 50 ms when it has none, so kept-alive connections spread over the workers instead of
  piling onto whichever woke first (one process serving a dozen clients in turn, bound by its GIL,
  while the others idle);
- once more than `TEREZE_SERVER_QUEUE_LIMIT` connections wait in the kernel's queue, takes every
  one of them per wake-up, to serve them or turn them away at the door, and lets the accepting
  thread have the GIL more often (in a burst it shares the GIL with busy request threads, and
  arrivals left in the kernel's queue are unseen);
- at `--worker-connections` turns new connections away at the door instead of letting gthread stop
  reading every connection, which stalled the worker for good; one whose request has not all
  arrived waits at the door for it (up to `DOOR_WAIT`, `DOOR_MAX` of them) and gets its 503 then;
- sends without Nagle's delay (gunicorn writes a response's head and body separately, and on a
  kept-alive connection the body would wait for the client's delayed ACK);
- with `TEREZE_SERVER_PIN_CPUS=1`, keeps each worker on a core of its own (the least used when a
  worker is replaced): on a machine that runs little else, a process that stays put keeps its caches
  (2 cores, `-w 2 --threads 2`: 798 against 742 submissions/s, medians of ten runs each).

    gunicorn tereze.wsgi -k tereze.server.StampedThreadWorker -w 2 --threads 2   # 2 cores
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import selectors
import socket
import struct
import sys
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

ARRIVED_AT = "tereze.arrived_at"
_handling = threading.local()


def _request(data: bytes) -> tuple[str, dict[str, str]] | None:
    """The path and headers (lower-case names) of the request in these bytes, or None unless all of
    it is there: the head and as much body as it announces."""
    head, found, body = data.partition(b"\r\n\r\n")
    if not found:
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "0")
    if not length.isdigit() or len(body) != int(length) or "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    parts = lines[0].split(" ")
    return (parts[1] if len(parts) > 1 else "/"), headers


def door_refusal(data: bytes, arrived_at: float) -> bytes | None:
    """The whole HTTP response for a request turned away at the door; None when the request has not
    all arrived (answering and closing then would reset the connection before the client reads)."""
    from tereze.core import admission, clock

    request = _request(data)
    if request is None:
        return None
    path, headers = request
    if path.startswith(admission.API_PREFIX):
        key = headers.get("idempotency-key", "")
        first = admission.arrival(key=key, ticket=headers.get(admission.TICKET_HEADER.lower(), ""),
                                  here=dt.datetime.fromtimestamp(arrived_at, tz=dt.UTC), now=clock.now())
        body, extra = admission.refusal(first, key)
        content, content_type = json.dumps(body).encode(), "application/json"
    else:
        retry_after = admission.crowd.refuse()
        extra = {"Retry-After": str(retry_after)}
        content = admission.waiting_room_page(retry_after).encode()
        content_type = "text/html; charset=utf-8"
    lines = ["HTTP/1.1 503 Service Unavailable", f"Content-Type: {content_type}", f"Content-Length: {len(content)}",
             "Connection: close", "Cache-Control: no-store", "X-Content-Type-Options: nosniff",
             *(f"{name}: {value}" for name, value in extra.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content


def waiting_to_be_accepted(listener: Any) -> int:
    """Connections in the listening socket's accept queue (Linux reports it as tcpi_unacked)."""
    try:
        info = listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except (OSError, AttributeError):
        return 0
    return int(struct.unpack_from("I", info, 24)[0])


def answer_at_door(sock: socket.socket, arrived_at: float) -> bool:
    """Send the door's refusal if the whole request is there. False: it is not (yet), nothing was
    sent; True: answered, or the client has gone."""
    try:
        data = sock.recv(65536, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False  # nothing has arrived yet
    except OSError:
        return True  # the client went away
    response = door_refusal(data, arrived_at) if data else None
    if data and response is None:
        return False
    if response is not None:
        with contextlib.suppress(OSError):
            sock.recv(len(data), socket.MSG_DONTWAIT)
        send_at_door(sock, response)
    return True


def send_at_door(sock: socket.socket, response: bytes) -> None:
    with contextlib.suppress(OSError):  # the client went away: nothing to answer
        sock.setblocking(True)
        sock.settimeout(1.0)
        sock.sendall(response)


@dataclass
class Door:
    """A connection turned away at the door whose request is still coming."""

    until: float
    arrived_at: float
    data: bytes = b""


class StampedThreadWorker(ThreadWorker):  # type: ignore[misc]
    ACCEPT_AT_ONCE = 64
    PATIENCE = 0.05  # seconds a new connection waits for a worker with a thread to spare, at most
    FRESH_FOR = 0.5  # seconds a new connection counts as work in hand while its first request is due
    DOOR_WAIT = 0.5  # seconds a connection turned away at the door may take to send its request
    DOOR_MAX = 1000  # connections waiting at the door, at most
    live: weakref.WeakSet[StampedThreadWorker] = weakref.WeakSet()  # in the master: its current workers

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # runs in the master, before the fork
        self.cpu = self.least_used_cpu() if os.environ.get("TEREZE_SERVER_PIN_CPUS", "0") == "1" else None
        StampedThreadWorker.live.add(self)  # the master drops a dead worker, and the set with it

    @classmethod
    def least_used_cpu(cls) -> int:
        used = Counter(worker.cpu for worker in cls.live)
        return min(sorted(os.sched_getaffinity(0)), key=lambda cpu: used[cpu])

    def init_process(self) -> None:
        if self.cpu is not None:
            os.sched_setaffinity(0, {self.cpu})  # before the threads start: they inherit it
        self.queue_limit = int(os.environ.get("TEREZE_SERVER_QUEUE_LIMIT", "100"))
        self.threads = self.cfg.threads
        self.in_hand = 0  # requests queued or running
        self.fresh: deque[float] = deque()  # when each connection still without a request was accepted
        self.paused: dict[Any, Any] = {}  # listener -> its acceptor while this worker has no thread to spare
        self.left_waiting: float | None = None  # since when a new connection was left to other workers
        self.at_door: dict[socket.socket, Door] = {}  # turned away, their request still to come
        # The accepting thread needs the GIL for every arrival; with the default 5 ms switch
        # interval busy request threads let it in about 200 times a second, far below a burst.
        sys.setswitchinterval(0.0005)
        super().init_process()

    def busy(self, now: float) -> bool:
        while self.fresh and now - self.fresh[0] > self.FRESH_FOR:
            self.fresh.popleft()  # a connection that sends nothing stops counting
        return self.in_hand + len(self.fresh) >= self.threads

    def accept(self, server: Any, listener: Any) -> None:
        now = time.monotonic()
        if self.queue_limit and waiting_to_be_accepted(listener) > self.queue_limit:
            self.accept_many(server, listener, self.ACCEPT_AT_ONCE)  # a crowd: answer or turn away at the door
        elif self.busy(now) and (self.left_waiting is None or now - self.left_waiting < self.PATIENCE):
            self.left_waiting = self.left_waiting or now
            self.pause(listener)
        else:  # a thread to spare, or every worker busy past the patience: take it rather than let it wait
            self.accept_many(server, listener, 1)

    def accept_many(self, server: Any, listener: Any, at_most: int) -> None:
        self.left_waiting = None
        for _ in range(at_most):
            if self.nr_conns >= self.worker_connections - 1:
                # full: gthread would stop reading every connection, not just accepting
                self.turn_away_new_connection(listener)
                continue
            before = self.nr_conns
            super().accept(server, listener)
            if self.nr_conns == before:
                break  # nothing more waiting
            self.fresh.append(time.monotonic())

    def pause(self, listener: Any) -> None:
        """Stop accepting until a request finishes (or the keep-alive sweep, within a second)."""
        with self._lock:
            if self.busy(time.monotonic()):  # again under the lock: a request may have finished meanwhile
                self.paused[listener] = self.poller.get_key(listener).data
                self.poller.unregister(listener)

    def resume(self) -> None:
        with self._lock:
            for listener, acceptor in self.paused.items():
                self.poller.register(listener, selectors.EVENT_READ, acceptor)
            self.paused.clear()

    def finish_request(self, fs: Any) -> None:
        super().finish_request(fs)
        with self._lock:
            self.in_hand -= 1
        if self.paused:
            self.resume()

    def murder_keepalived(self) -> None:
        super().murder_keepalived()
        self.close_the_door()
        if self.paused:  # paused for connections that never sent anything
            self.resume()

    def turn_away_new_connection(self, listener: Any) -> None:
        """Full: answer at the door. A connection whose request is not all there yet waits for it
        at the door (not counted against --worker-connections) for up to DOOR_WAIT: a client that
        connects and sends a moment later, as clients do, gets its 503 rather than a closed socket."""
        try:
            sock, _client = listener.accept()
        except OSError:
            return
        arrived_at = time.time()
        if answer_at_door(sock, arrived_at) or len(self.at_door) >= self.DOOR_MAX:
            sock.close()  # answered; or, with even the door full, closed: the client retries
            return
        self.at_door[sock] = Door(until=time.monotonic() + self.DOOR_WAIT, arrived_at=arrived_at)
        with self._lock:
            self.poller.register(sock, selectors.EVENT_READ, self.door_readable)

    def door_readable(self, sock: socket.socket) -> None:
        """Read what came (so the poller does not wake again for the same bytes); answer once the
        request is complete."""
        door = self.at_door.get(sock)
        if door is None:
            return
        try:
            chunk = sock.recv(65536, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        door.data += chunk
        response = door_refusal(door.data, door.arrived_at) if chunk else None
        if chunk and response is None and len(door.data) < 65536:
            return  # more of the request to come
        if response is not None:
            send_at_door(sock, response)
        self.leave_door(sock)

    def leave_door(self, sock: socket.socket) -> None:
        self.at_door.pop(sock, None)
        with self._lock, contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(sock)
        sock.close()

    def close_the_door(self) -> None:
        """Close connections that did not send their request within DOOR_WAIT (oldest first)."""
        now = time.monotonic()
        while self.at_door:
            sock, door = next(iter(self.at_door.items()))
            if door.until > now:
                break
            self.leave_door(sock)

    def enqueue_req(self, conn: Any) -> None:
        conn.tereze_arrived_at = time.time()  # readable now: it waits for a thread from here on
        if not conn.initialized:
            if self.fresh:
                self.fresh.popleft()  # its request came: it counts as a request from here on
            # gunicorn writes the head and the body separately: on a kept-alive connection Nagle's
            # algorithm holds the body back until the client's delayed ACK, tens of milliseconds.
            with contextlib.suppress(OSError):
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Only new connections are turned away: a kept-alive one may hold a half-read request.
        if (conn.initialized or not self.queue_limit or self.tpool._work_queue.qsize() < self.queue_limit
                or not self.turned_away(conn)):
            with self._lock:
                self.in_hand += 1
            super().enqueue_req(conn)

    def turned_away(self, conn: Any) -> bool:
        """Answer the request here if all of it has arrived; False leaves it to a thread."""
        if not answer_at_door(conn.sock, conn.tereze_arrived_at):
            return False
        self.nr_conns -= 1
        conn.close()
        return True

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
