"""What the benchmark scripts share: a database of their own, a small register with an operator and
a token made through the actions, a gunicorn server they start and kill, an aiohttp load driver and
the figures (rates, percentiles, CPU split between server, database and client).

Only 127.0.0.1 is ever contacted. Each script drops its database at the end (--keep keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv running this script
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# A database number of its own on the local Redis; the tasks queued there are deleted afterwards.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PDF = b"%PDF-1.4\n% benchmark document\n%%EOF\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def arguments(description: str, *, database: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--database", default=database, help="PostgreSQL database the script creates and drops")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn worker processes (default: one per core, as in production)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread)")
    parser.add_argument("--pin-cpus", action="store_true", help="TEREZE_SERVER_PIN_CPUS=1: a core per worker")
    parser.add_argument("--api-concurrency", type=int, default=None,
                        help="TEREZE_API_CONCURRENCY for the server (default: the server's own)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--redis", default=BENCH_REDIS_URL,
                        help="task queue for the server, as in production (empty: a SQLite file)")
    return parser


# ------------------------------------------------------------------ database and world

@dataclass
class Bench:
    """A prepared database plus what a client needs to submit."""

    database_url: str
    data_dir: str
    token: str
    service_code: str
    applicant_iins: list[str]
    env: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def database_create(args: argparse.Namespace) -> tuple[str, str]:
    data_dir = tempfile.mkdtemp(prefix="tereze-bench-")
    if args.db == "sqlite":
        return f"sqlite:///{data_dir}/bench.sqlite3", data_dir
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    return _pg_url(args.database), data_dir


def database_drop(args: argparse.Namespace) -> None:
    if args.db != "postgres" or args.keep:
        return
    import psycopg

    for _ in range(10):
        try:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            return
        except psycopg.OperationalError:
            time.sleep(1)


def discard(bench: Bench, args: argparse.Namespace) -> None:
    """Drop the benchmark's database (unless --keep), the tasks it queued and its data folder."""
    database_drop(args)
    if bench.env.get("REDIS_URL"):
        import redis

        client = redis.Redis.from_url(bench.env["REDIS_URL"])
        for key in client.scan_iter("huey.*tereze*"):
            client.delete(key)
    log = Path(bench.data_dir) / "gunicorn.log"
    if log.exists() and "Traceback" in (text := log.read_text(errors="replace")):
        last = text.rindex("Traceback")
        print(f"  the server logged errors; the last of them:\n{text[last:last + 4000]}")
    shutil.rmtree(bench.data_dir, ignore_errors=True)


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        print(f"  ({url} does not answer: the server queues its tasks in a SQLite file)")
        return False


def server_env(database_url: str, data_dir: str, args: argparse.Namespace | None = None) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "TEREZE_DATA_DIR": data_dir, "DEBUG": "0",
           "DJANGO_SETTINGS_MODULE": "tereze.settings", "LOG_LEVEL": "WARNING",
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    if args is not None and getattr(args, "redis", "") and _redis_answers(args.redis):
        env["REDIS_URL"] = args.redis  # the task queue on Redis, as in production (README)
    if args is not None and getattr(args, "pin_cpus", False):
        env["TEREZE_SERVER_PIN_CPUS"] = "1"
    if args is not None and args.api_concurrency is not None:
        env["TEREZE_API_CONCURRENCY"] = str(args.api_concurrency)
    return env


def prepare(args: argparse.Namespace, *, applicants: int = 300) -> Bench:
    """Create and migrate the database, then a body, a service with its standard, a centre, an operator
    with a bearer token, three officials and a pool of applicants known to the population register."""
    database_url, data_dir = database_create(args)
    env = server_env(database_url, data_dir, args)
    os.environ.update({k: v for k, v in env.items() if k in ("DATABASE_URL", "TEREZE_DATA_DIR", "DEBUG",
                                                             "DJANGO_SETTINGS_MODULE", "EMAIL_BACKEND")})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from tereze.core.models import Person
    from tereze.core.tokens import token_issue
    from tests import factories

    call_command("migrate", verbosity=0, interactive=False)
    body = factories.BodyFactory()
    service = factories.ServiceFactory(body=body)
    standard = factories.make_standard(service)
    centre = factories.CentreFactory()
    operator = factories.staff("operator", centre_id=centre.pk)
    for _ in range(3):
        factories.staff("official", body_id=body.pk)
    iins = [factories.new_iin() for _ in range(applicants)]
    Person.objects.bulk_create(Person(iin=iin, surname="Ахметов", given_name="Ерлан", birth_date="1985-03-02",
                                      sex="M", phone="+7 701 000 00 00", language="ru", notify_by=["sms"])
                               for iin in iins)
    token = token_issue(user=operator, name="benchmark")
    bench = Bench(database_url=database_url, data_dir=data_dir, token=token, service_code=service.code,
                  applicant_iins=iins, env=env,
                  ids={"service": service.pk, "standard": standard.pk, "body": body.pk, "centre": centre.pk,
                       "operator": operator.pk})
    connections.close_all()
    return bench


def payload(bench: Bench, n: int) -> dict[str, Any]:
    return {"service_code": bench.service_code, "applicant_id": bench.applicant_iins[n % len(bench.applicant_iins)],
            "channel": "centre", "form_data": {"note": f"benchmark {n}"},
            "documents": [{"code": "contract", "file_name": "contract.pdf",
                           "content_base64": base64.b64encode(PDF).decode()}]}


def new_key() -> str:
    return uuid.uuid4().hex


# ------------------------------------------------------------------ the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn on 127.0.0.1 in its own process group (so kill -9 takes master and workers at once)."""

    def __init__(self, env: dict[str, str], *, workers: int, threads: int, port: int | None = None,
                 log: str | None = None) -> None:
        self.env, self.workers, self.threads = env, workers, threads
        self.port = port or free_port()
        self.log = log or os.path.join(env["TEREZE_DATA_DIR"], "gunicorn.log")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Server:
        worker_class = ["-k", "tereze.server.StampedThreadWorker", "--threads", str(self.threads)]  # production's
        command = [str(BIN / "gunicorn"), "tereze.wsgi", "-w", str(self.workers), *worker_class,
                   "-b", f"127.0.0.1:{self.port}", "--backlog", "4096", "--worker-connections", "10000",
                   "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log, stderr=log,
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            if self.ready():
                return self
            time.sleep(0.2)
        self.kill9()  # a master left behind would respawn failing workers and skew every later run
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log}")

    def ready(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/calendar/deadline?start=2025-01-06&working_days=1",
                                        timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        return children(self.process.pid)

    def pids(self) -> list[int]:
        return ([self.process.pid] if self.process else []) + self.worker_pids()

    def kill9(self) -> None:
        """kill -9 the master and every worker: no clean-up, no graceful shutdown."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill9()
        self.process = None


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


# ------------------------------------------------------------------ figures

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def cpu_ticks(pids: list[int]) -> dict[int, float]:
    ticks = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
        except OSError:
            continue
    return ticks


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def postgres_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() in ("postgres", "postmaster"):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def _own_cpu() -> float:
    """CPU seconds of this script and the load generators it ran (wrk)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuSplit:
    """CPU seconds spent by the server, PostgreSQL and this client during a run (2 cores = 200 %).

    Processes come and go during a run (a database connection lives CONN_MAX_AGE seconds, a worker
    can be replaced), so their counters are read every half second and the last reading of one that
    has gone still counts."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.stopped = threading.Event()

    def _read(self) -> tuple[dict[int, float], dict[int, float]]:
        return cpu_ticks(self.server.pids()), cpu_ticks(postgres_pids())

    def _note(self) -> None:
        server, pg = self._read()
        self.last[0].update(server)
        self.last[1].update(pg)

    def _follow(self) -> None:
        while not self.stopped.wait(0.5):
            self._note()

    def __enter__(self) -> CpuSplit:
        self.started = time.monotonic()
        self.before = (*self._read(), _own_cpu())
        self.last = (dict(self.before[0]), dict(self.before[1]))
        self.follower = threading.Thread(target=self._follow, daemon=True)
        self.follower.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.follower.join()
        wall = time.monotonic() - self.started
        self._note()
        self.figures = {"server": 100 * _spent(self.before[0], self.last[0]) / wall,
                        "postgres": 100 * _spent(self.before[1], self.last[1]) / wall,
                        "client": 100 * (_own_cpu() - self.before[2]) / wall}

    def __str__(self) -> str:
        return " ".join(f"{k} {v:.0f}%" for k, v in self.figures.items())


# ------------------------------------------------------------------ load

@dataclass
class Outcome:
    status: int
    latency: float
    sent_at: float
    number: str = ""
    retry_after: float = 0.0
    ticket: str = ""  # the arrival ticket that came with a 503
    error: str = ""  # why there was no answer


async def post_application(session: Any, url: str, token: str, body: dict[str, Any], key: str,
                           timeout: float = 30) -> Outcome:
    import aiohttp

    started = time.monotonic()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    try:
        async with session.post(f"{url}/api/v1/applications", json=body, headers=headers,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as response:
            data = await response.json(content_type=None) if response.status in (201, 503, 422) else {}
            return Outcome(response.status, time.monotonic() - started, started,
                           number=(data or {}).get("number", "") if response.status == 201 else "",
                           retry_after=float(response.headers.get("Retry-After", "0") or 0))
    except (TimeoutError, aiohttp.ClientError, OSError) as error:  # 0: no answer (refused, reset, timed out)
        return Outcome(0, time.monotonic() - started, started, error=f"{type(error).__name__}: {str(error)[-60:]}")


async def closed_loop(bench: Bench, url: str, *, concurrency: int, seconds: float, start: int = 0
                      ) -> tuple[list[Outcome], float]:
    """`concurrency` clients each submit one application after another for `seconds`."""
    import aiohttp

    outcomes: list[Outcome] = []
    counter = iter(range(start, 10**9))
    stop_at = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def client() -> None:
            while time.monotonic() < stop_at:
                outcomes.append(await post_application(session, url, bench.token, payload(bench, next(counter)),
                                                       new_key()))

        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return outcomes, elapsed


def summarise(outcomes: list[Outcome], elapsed: float) -> dict[str, float]:
    ok = [o.latency * 1000 for o in outcomes if o.status == 201]
    statuses: dict[int, int] = {}
    for o in outcomes:
        statuses[o.status] = statuses.get(o.status, 0) + 1
    return {"ok": len(ok), "rate": len(ok) / elapsed if elapsed else 0.0, "p50": percentile(ok, 50),
            "p95": percentile(ok, 95), "p99": percentile(ok, 99), "errors": len(outcomes) - len(ok),
            "statuses": statuses}  # type: ignore[dict-item]


def batched(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# ------------------------------------------------------------------ checks after a run

def exactly_once_report(database_url: str, acknowledged: dict[str, str]) -> dict[str, int]:
    """acknowledged: Idempotency-Key -> number from a 201. Checks each exists exactly once, with its
    submitted/accepted events and one audit entry, and that no key produced two applications."""
    import psycopg

    url = database_url
    with psycopg.connect(url) as conn:
        # Counted by joins on aggregates (one pass each); a subquery per application was quadratic
        # on the audit log and took longer than a 100,000-application run itself.
        rows = conn.execute(
            "SELECT a.idempotency_key, a.number, coalesce(e.n, 0), coalesce(u.n, 0) "
            "FROM applications_application a "
            "LEFT JOIN (SELECT application_id, count(*) AS n FROM applications_applicationevent "
            "           GROUP BY application_id) e ON e.application_id = a.id "
            "LEFT JOIN (SELECT object_id, count(*) AS n FROM core_auditentry WHERE action = 'application.submit' "
            "           GROUP BY object_id) u ON u.object_id = a.number "
            "WHERE a.idempotency_key IS NOT NULL").fetchall()
    by_key: dict[str, list[tuple[str, int, int]]] = {}
    for key, number, events, audits in rows:
        by_key.setdefault(key, []).append((number, events, audits))
    report = {"acknowledged": len(acknowledged), "in_database": len(rows), "lost": 0, "duplicated": 0,
              "wrong_number": 0, "missing_events": 0, "missing_audit": 0, "unacknowledged_in_db": 0}
    for key, number in acknowledged.items():
        found = by_key.get(key, [])
        if not found:
            report["lost"] += 1
            continue
        if len(found) > 1:
            report["duplicated"] += 1
        if found[0][0] != number:
            report["wrong_number"] += 1
        if found[0][1] < 3:  # submitted, accepted, assigned
            report["missing_events"] += 1
        if found[0][2] != 1:
            report["missing_audit"] += 1
    report["duplicated"] += sum(1 for k, v in by_key.items() if len(v) > 1 and k not in acknowledged)
    report["unacknowledged_in_db"] = sum(1 for k in by_key if k not in acknowledged)
    return report


def audit_verify(env: dict[str, str]) -> tuple[bool, str]:
    done = subprocess.run([str(BIN / "tereze"), "audit_verify"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    return done.returncode == 0, (done.stdout + done.stderr).strip()


# ------------------------------------------------------------------ load by wrk

WRK_SCRIPT = """
-- Generated by benchmarks/common.py: each request is a new application with its own Idempotency-Key.
local iins = {%(iins)s}
local token, service, pdf, prefix = "%(token)s", "%(service)s", "%(pdf)s", "%(prefix)s"
local counter, id = 0, 0
local threads, serial = {}, 0
statuses = {}

function setup(thread)
  serial = serial + 1
  thread:set("id", serial)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local body = string.format('{"service_code":"%%s","applicant_id":"%%s","channel":"centre",' ..
    '"form_data":{"note":"benchmark %%d"},"documents":[{"code":"contract","file_name":"contract.pdf",' ..
    '"content_base64":"%%s"}]}', service, iins[(counter %% #iins) + 1], counter, pdf)
  return wrk.format("POST", "/api/v1/applications", {["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. id .. "-" .. counter}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do all[status] = (all[status] or 0) + n end
  end
  for status, n in pairs(all) do io.write(string.format("status %%d %%d\\n", status, n)) end
  io.write(string.format("duration_us %%d\\n", summary.duration))
  io.write(string.format("timeouts %%d\\nsocket_errors %%d\\n", summary.errors.timeout,
    summary.errors.connect + summary.errors.read + summary.errors.write))
  for _, p in ipairs({50, 95, 99}) do io.write(string.format("p%%d_us %%d\\n", p, latency:percentile(p))) end
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk_closed_loop(bench: Bench, url: str, *, concurrency: int, seconds: float) -> dict[str, Any]:
    """The same closed loop as `closed_loop`, driven by wrk (C, one thread per core), so the client
    takes a few per cent of the CPU instead of a third of a core. Latency percentiles are wrk's."""
    script = WRK_SCRIPT % {"iins": ", ".join(f'"{iin}"' for iin in bench.applicant_iins),
                           "token": bench.token, "service": bench.service_code,
                           "pdf": base64.b64encode(PDF).decode(), "prefix": f"wrk-{uuid.uuid4().hex[:8]}-"}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        command = ["wrk", "-t", "1", "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s", "--timeout", "30s",
                   "-s", f.name, url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        os.unlink(f.name)
    figures: dict[str, Any] = {"statuses": {}}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "status":
            figures["statuses"][int(parts[1])] = int(parts[2])
        elif len(parts) == 2 and parts[1].isdigit():
            figures[parts[0]] = int(parts[1])
    if "duration_us" not in figures:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    ok = figures["statuses"].get(201, 0)
    elapsed = figures["duration_us"] / 1e6
    return {"ok": ok, "rate": ok / elapsed, "p50": figures["p50_us"] / 1000, "p95": figures["p95_us"] / 1000,
            "p99": figures["p99_us"] / 1000, "statuses": figures["statuses"],
            "errors": sum(n for s, n in figures["statuses"].items() if s != 201) + figures["timeouts"]
            + figures["socket_errors"]}
