"""Intake throughput: POST /api/v1/applications against a gunicorn server this script starts.

Prints submissions/s and p50/p95/p99 latency at rising concurrency and, at the same concurrency,
the raw ceiling: the same rows (application + event + audit entry) inserted by plain psycopg
transactions, one per application; our figure is printed as a fraction of it. With --profile,
py-spy samples every worker during the middle level and the script says where the time goes.
The load comes from wrk when it is installed (apt-get install wrk: C, a few per cent of one core),
otherwise from aiohttp, which takes a third of a core of the two the server and database share.

    .venv/bin/python benchmarks/intake.py --workers 2 --threads 2   # PostgreSQL, one process per core (fastest here)
    .venv/bin/python benchmarks/intake.py --levels 8,32 --seconds 10 --profile
    .venv/bin/python benchmarks/intake.py --db sqlite --workers 2
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the repository on the path, so `benchmarks.common` and `tereze` import.
sys.path[0] = str(Path(__file__).resolve().parent.parent)


import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BIN,
    Bench,
    CpuSplit,
    Server,
    arguments,
    closed_loop,
    discard,
    percentile,
    prepare,
    summarise,
    wrk_available,
    wrk_closed_loop,
)

APPLICATION_SQL = """
INSERT INTO applications_application
  (number, service_id, standard_id, applicant_iin, channel, status, body_id, centre_id, accepted_by_id,
   submitted_by_id, assisted, form_data, language, created_at, accepted_at, due_date, idempotency_key,
   request_fingerprint)
VALUES (%s, %s, %s, %s, 'centre', 'accepted', %s, %s, %s, %s, false, '{}', 'ru', now(), now(),
        current_date + 21, %s, '')
RETURNING id"""
EVENT_SQL = """
INSERT INTO applications_applicationevent
  (application_id, kind, from_status, to_status, actor_id, actor_role, body_id, centre_id, channel, at, payload)
VALUES (%s, 'accepted', 'submitted', 'accepted', %s, 'operator', %s, %s, 'centre', now(), '{}')"""
AUDIT_SQL = """
INSERT INTO core_auditentry
  (at, actor_id, actor_role, action, object_type, object_id, subject_iin, body_id, centre_id, detail,
   prev_hash, hash)
VALUES (now(), %s, 'operator', 'application.submit', 'application', %s, %s, NULL, %s, '{}', '', '')"""


async def raw_ceiling(bench: Bench, *, concurrency: int, seconds: float) -> dict[str, float]:
    """The same three rows per application by plain psycopg, one transaction each, `concurrency` clients."""
    import psycopg

    ids = bench.ids
    latencies: list[float] = []
    connections = [await psycopg.AsyncConnection.connect(bench.database_url, autocommit=True)
                   for _ in range(concurrency)]
    stop_at = time.monotonic() + seconds

    async def client(conn: psycopg.AsyncConnection, worker: int) -> None:
        n = 0
        while time.monotonic() < stop_at:
            started = time.monotonic()
            number = f"RAW-{worker}-{n}-{uuid.uuid4().hex[:8]}"
            iin = bench.applicant_iins[n % len(bench.applicant_iins)]
            async with conn.transaction():
                cursor = await conn.execute(APPLICATION_SQL, (
                    number, ids["service"], ids["standard"], iin, ids["body"], ids["centre"], ids["operator"],
                    ids["operator"], f"raw-{uuid.uuid4().hex}"))
                row = await cursor.fetchone()
                assert row is not None
                await conn.execute(EVENT_SQL, (row[0], ids["operator"], ids["body"], ids["centre"]))
                await conn.execute(AUDIT_SQL, (ids["operator"], number, iin, ids["centre"]))
            latencies.append((time.monotonic() - started) * 1000)
            n += 1

    started = time.monotonic()
    await asyncio.gather(*(client(c, i) for i, c in enumerate(connections)))
    elapsed = time.monotonic() - started
    for conn in connections:
        await conn.close()
    return {"rate": len(latencies) / elapsed, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99)}


# ------------------------------------------------------------------ profile

def classify(stack: list[str]) -> str:
    """Name what a sampled stack is doing (innermost meaningful frame wins)."""
    text = ";".join(stack)
    leaf = stack[-1] if stack else ""
    if "django" not in text and "ninja" not in text:
        return "gunicorn: accepting, parsing HTTP, thread hand-off"
    for marker, name in (("psycopg", "psycopg driver (sending queries, reading rows)"),
                         ("django/db/", "ORM: building SQL, making model instances"),
                         ("pydantic", "pydantic validation/serialisation"), ("ninja", "django-ninja"),
                         ("json", "JSON"), ("hashlib", "hashing"), ("django/template", "templates"),
                         ("django/utils/translation", "translation"), ("tereze/", "tereze code itself"),
                         ("django/", "Django request/response machinery"), ("gunicorn", "gunicorn")):
        if marker in leaf:
            return name
    return "other Python"


def profile_workers(server: Server, seconds: float, out_dir: str) -> list[Path]:
    py_spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if py_spy is None:
        print("  (py-spy not installed: pip install py-spy)")
        return []
    procs, files = [], []
    for pid in server.worker_pids():
        out = Path(out_dir) / f"worker-{pid}.txt"
        procs.append(subprocess.Popen([py_spy, "record", "--pid", str(pid), "--duration", str(int(seconds)),
                                       "--rate", "200", "--gil", "--format", "raw", "--output", str(out),
                                       "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        files.append(out)
    for p in procs:
        p.wait()
    return [f for f in files if f.exists()]


def report_profile(files: list[Path]) -> None:
    categories: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    busy = 0
    for path in files:
        for line in path.read_text().splitlines():
            stack_text, _, count_text = line.rpartition(" ")
            if not count_text.isdigit():
                continue
            count = int(count_text)
            stack = stack_text.split(";")
            category = classify(stack)
            categories[category] += count
            busy += count
            for frame in {f for f in stack if "tereze/" in f or "django/db/models" in f}:
                inclusive[frame.split(" (")[0] + " (" + frame.split("/")[-1]] += count
    total = sum(categories.values()) or 1
    print(f"  py-spy --gil, {len(files)} workers: where the workers' Python CPU time goes (by innermost frame):")
    for name, count in categories.most_common():
        print(f"    {100 * count / total:5.1f}%  {name}")
    print("  inclusive share, top frames in tereze and the ORM:")
    for frame, count in inclusive.most_common(12):
        print(f"    {100 * count / max(busy, 1):5.1f}%  {frame}")


# ------------------------------------------------------------------ main

async def run_level(bench: Bench, server: Server, *, client: str, concurrency: int, seconds: float, start: int,
                    profile_dir: str | None) -> tuple[dict[str, Any], list[Path]]:
    """One level of load (by wrk or aiohttp), with py-spy on the workers meanwhile when asked."""
    if client == "wrk":
        load = asyncio.create_task(asyncio.to_thread(wrk_closed_loop, bench, server.url, concurrency=concurrency,
                                                     seconds=seconds))
    else:
        load = asyncio.create_task(closed_loop(bench, server.url, concurrency=concurrency, seconds=seconds,
                                               start=start))
    files: list[Path] = []
    if profile_dir:
        await asyncio.sleep(1)
        files = await asyncio.to_thread(profile_workers, server, seconds - 3, profile_dir)
    result = await load
    if client == "wrk":
        return result, files  # type: ignore[return-value]
    outcomes, elapsed = result  # type: ignore[misc]
    return {**summarise(outcomes, elapsed), "count": len(outcomes)}, files


def main() -> None:
    parser = arguments(__doc__ or "", database="bench_intake")
    parser.add_argument("--levels", default="8,32,64", help="client concurrency levels")
    parser.add_argument("--seconds", type=float, default=15, help="seconds per level")
    parser.add_argument("--profile", action="store_true", help="py-spy the workers during the middle level")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw psycopg ceiling")
    parser.add_argument("--client", choices=["wrk", "aiohttp"], default="wrk" if wrk_available() else "aiohttp",
                        help="load generator (wrk takes far less of the shared CPU; apt-get install wrk)")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    bench = prepare(args)
    server = Server(bench.env, workers=args.workers, threads=args.threads).start()
    kind = f"gthread x{args.threads}" if args.threads > 1 else "1 thread"
    pinned = ", pinned to cores" if bench.env.get("TEREZE_SERVER_PIN_CPUS") == "1" else ""
    print(f"Tereze intake benchmark: {args.db}, gunicorn {args.workers} workers ({kind}{pinned}), DEBUG off, "
          f"TEREZE_API_CONCURRENCY={bench.env.get('TEREZE_API_CONCURRENCY', 'default')}, "
          f"{os.cpu_count()} CPUs shared with the clients ({args.client}) and the database")
    try:
        asyncio.run(closed_loop(bench, server.url, concurrency=8, seconds=3, start=10**8))  # warm-up
        print(f"{'clients':>7} {'subm/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'non-201':>8} "
              f"{'raw/s':>7} {'of raw':>7}  cpu")
        start = 0
        for i, concurrency in enumerate(levels):
            profile_dir = tempfile.mkdtemp(prefix="tereze-pyspy-") if args.profile and i == len(levels) // 2 \
                else None
            with CpuSplit(server) as cpu:
                s, files = asyncio.run(run_level(bench, server, client=args.client, concurrency=concurrency,
                                                 seconds=args.seconds, start=start, profile_dir=profile_dir))
            start += s.get("count", 0)
            raw = None if args.db != "postgres" or args.no_raw else asyncio.run(
                raw_ceiling(bench, concurrency=concurrency, seconds=min(args.seconds, 10)))
            raw_text = f"{raw['rate']:7.0f} {s['rate'] / raw['rate']:6.0%}" if raw else f"{'-':>7} {'-':>7}"
            others = {k: v for k, v in s["statuses"].items() if k != 201}  # type: ignore[union-attr]
            print(f"{concurrency:7d} {s['rate']:8.0f} {s['p50']:7.0f} {s['p95']:7.0f} {s['p99']:7.0f} "
                  f"{s['errors']:8d} {raw_text}  {cpu}" + (f"  statuses {others}" if others else ""), flush=True)
            if files:
                report_profile(files)
    finally:
        server.stop()
        discard(bench, args)


if __name__ == "__main__":
    main()
