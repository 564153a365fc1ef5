"""The production worker (tereze.server.StampedThreadWorker) in a real gunicorn, over real sockets.

The application behind it is a stand-in (tests/core/pid_app.py) that takes a while and says which
worker process answered; what is tested is how the worker takes connections, not Django.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.common import children

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _gunicorn(extra: list[str], env: dict[str, str] | None = None) -> Iterator[tuple[int, int]]:
    """gunicorn with the worker, 2 processes x 1 thread unless `extra` says otherwise: (port, master pid)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "tereze.settings", **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.core.pid_app:app", "-k", "tereze.server.StampedThreadWorker",
         "-w", "2", "--threads", "1", "-b", f"127.0.0.1:{port}", "--log-level", "warning", *extra],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                _get(port, keep_alive=False)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        time.sleep(0.5)  # both workers up
        yield port, process.pid
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=10)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[int]:
    with _gunicorn(getattr(request, "param", [])) as (port, _master):
        yield port


def _get(port: int, *, keep_alive: bool, sock: socket.socket | None = None) -> str:
    own = sock is None
    sock = sock or socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        connection = "keep-alive" if keep_alive else "close"
        sock.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nConnection: {connection}\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode("latin-1")
    finally:
        if own:
            sock.close()


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def _pid(answer: str) -> str:
    return answer.rpartition("\r\n\r\n")[2]


def test_kept_alive_clients_arriving_together_are_spread_over_thechildren(server: int) -> None:
    # Four clients connect at once and keep their connections: a worker that took all four would
    # serve them one after another while the other idled.
    sockets = [socket.create_connection(("127.0.0.1", server), timeout=5) for _ in range(4)]
    time.sleep(0.2)  # all four wait to be accepted before any request arrives

    def client(sock: socket.socket) -> set[str]:
        with sock:
            return {_pid(_get(server, keep_alive=True, sock=sock)) for _ in range(5)}

    with ThreadPoolExecutor(4) as pool:
        served_by = list(pool.map(client, sockets))
    assert all(len(pids) == 1 for pids in served_by)  # a kept-alive connection stays with its worker
    assert len(set().union(*served_by)) == 2, f"all four connections went to one worker: {served_by}"


@contextmanager
def _all_connections_taken(port: int) -> Iterator[None]:
    """Six kept-alive clients: with --worker-connections 2, both workers are full."""
    held = []
    for _ in range(6):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n")
        held.append(sock)
    time.sleep(0.3)
    try:
        yield
    finally:
        for sock in held:
            sock.close()


@pytest.mark.parametrize("server", [["--worker-connections", "2"]], indirect=True)
def test_at_the_connection_limit_a_new_client_is_answered_at_the_door_not_hung_up_on(server: int) -> None:
    with _all_connections_taken(server):
        answers = [_get(server, keep_alive=False) for _ in range(3)]
    refused = [a for a in answers if a.startswith("HTTP/1.1 503")]
    assert refused, f"no 503 at the door: {answers!r}"
    assert all("Retry-After:" in a for a in refused)


@pytest.mark.parametrize("server", [["--worker-connections", "2"]], indirect=True)
def test_at_the_connection_limit_a_client_that_sends_a_moment_after_connecting_is_answered_too(server: int) -> None:
    with _all_connections_taken(server):
        answers = []
        for _ in range(3):
            late = socket.create_connection(("127.0.0.1", server), timeout=5)
            time.sleep(0.1)  # connected; the request follows a moment later
            answers.append(_get(server, keep_alive=False, sock=late))
            late.close()
        pieces = socket.create_connection(("127.0.0.1", server), timeout=5)
        pieces.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # the request in two pieces
        time.sleep(0.1)
        pieces.sendall(b"Connection: close\r\n\r\n")
        answers.append(pieces.recv(4096).decode("latin-1"))
        pieces.close()
    assert all(a.startswith(("HTTP/1.1 503", "HTTP/1.1 200")) for a in answers), answers  # none hung up on
    assert any(a.startswith("HTTP/1.1 503") and "Retry-After:" in a for a in answers), answers


def test_connections_that_never_send_anything_do_not_switch_the_workers_off(server: int) -> None:
    idle = [socket.create_connection(("127.0.0.1", server), timeout=5) for _ in range(6)]
    try:
        time.sleep(0.2)
        started = time.monotonic()
        answer = _get(server, keep_alive=False)
        assert answer.startswith("HTTP/1.1 200"), answer
        assert time.monotonic() - started < 3
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_pinned_workers_each_keep_a_core_of_their_own_also_after_one_is_replaced() -> None:
    with _gunicorn([], env={"TEREZE_SERVER_PIN_CPUS": "1"}) as (_port, master):
        workers = children(master)
        assert len(workers) == 2
        cores = [os.sched_getaffinity(pid) for pid in workers]
        assert all(len(c) == 1 for c in cores) and cores[0] != cores[1], cores
        os.kill(workers[0], 9)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (set(children(master)) - set(workers) == set()
                                               or len(children(master)) < 2):
            time.sleep(0.1)
        replacement = (set(children(master)) - set(workers)).pop()
        time.sleep(0.5)  # pinned in its own start-up
        assert os.sched_getaffinity(replacement) == cores[0]  # the core the dead worker left free
