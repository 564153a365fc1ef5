"""Crash: kill -9 the server (master and workers) in the middle of submission load and start it again;
separately, restart PostgreSQL mid-load. Clients retry with their Idempotency-Key until they get a 201.
Afterwards every 201 exists exactly once with its events and audit entry, and `tereze audit_verify`
passes. Exits 1 if anything acknowledged was lost or duplicated.

    .venv/bin/python benchmarks/crash.py                    # both: kill -9 the server, restart PostgreSQL
    .venv/bin/python benchmarks/crash.py --only kill --quick  # the quick version make test runs
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the repository on the path, so `benchmarks.common` and `tereze` import.
sys.path[0] = str(Path(__file__).resolve().parent.parent)


import asyncio
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.common import (
    Bench,
    Server,
    arguments,
    audit_verify,
    discard,
    exactly_once_report,
    new_key,
    payload,
    post_application,
    prepare,
)


async def submit_until_acknowledged(bench: Bench, server: Server, *, clients: int, seconds: float,
                                    acknowledged: dict[str, str], counters: dict[str, int]) -> None:
    """Each client submits new applications for `seconds`; a request without a 201 is retried with the
    same key (connection refused, reset, 5xx, 503) until it gets one, or 60 s pass."""
    import aiohttp

    stop_at = time.monotonic() + seconds
    serial = iter(range(10**9))

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients, force_close=True)) as session:
        async def client() -> None:
            while time.monotonic() < stop_at:
                key, n = new_key(), next(serial)
                give_up = time.monotonic() + 60
                while True:
                    outcome = await post_application(session, server.url, bench.token, payload(bench, n), key,
                                                     timeout=10)
                    counters[str(outcome.status)] = counters.get(str(outcome.status), 0) + 1
                    if outcome.status == 201:
                        acknowledged[key] = outcome.number
                        break
                    if 400 <= outcome.status < 500 and outcome.status != 429:
                        counters["refused"] = counters.get("refused", 0) + 1
                        break
                    if time.monotonic() > give_up:
                        counters["gave_up"] = counters.get("gave_up", 0) + 1
                        break
                    await asyncio.sleep(0.2 + random.random() * 0.3)  # noqa: S311

        await asyncio.gather(*(client() for _ in range(clients)))


def run(bench: Bench, args: object, *, what: str, seconds: float, clients: int, workers: int, threads: int,
        acknowledged: dict[str, str]) -> bool:
    """One disruption; `acknowledged` holds every earlier phase's 201s too, so they are checked again
    (and not mistaken for applications committed but never acknowledged)."""
    server = Server(bench.env, workers=workers, threads=threads).start()
    counters: dict[str, int] = {}

    def disrupt() -> None:
        time.sleep(seconds / 3)
        if what == "kill":
            server.kill9()
            time.sleep(1)
            server.start()
        else:
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"], check=True,
                           capture_output=True)

    disruptor = threading.Thread(target=disrupt)
    disruptor.start()
    started = time.monotonic()
    asyncio.run(submit_until_acknowledged(bench, server, clients=clients, seconds=seconds,
                                          acknowledged=acknowledged, counters=counters))
    disruptor.join()
    server.stop()
    report = exactly_once_report(bench.database_url, acknowledged)
    ok, verify = audit_verify(bench.env)
    label = "kill -9 gunicorn (master + workers), restart" if what == "kill" else "restart PostgreSQL"
    print(f"{label}: {time.monotonic() - started:.0f} s, {clients} clients; responses {dict(sorted(counters.items()))}")
    print(f"  acknowledged {counters.get('201', 0)} (with earlier phases {report['acknowledged']}), "
          f"lost {report['lost']}, duplicated {report['duplicated']}, "
          f"wrong number {report['wrong_number']}, missing events {report['missing_events']}, "
          f"missing audit {report['missing_audit']}, committed but never acknowledged "
          f"{report['unacknowledged_in_db']}; audit_verify: {verify}")
    return ok and report["lost"] == report["duplicated"] == report["wrong_number"] == 0 and \
        report["missing_events"] == report["missing_audit"] == 0


def main() -> None:
    parser = arguments(__doc__ or "", database="bench_crash")
    parser.add_argument("--only", choices=["kill", "postgres"], default=None)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="12 s, 8 clients, 2 workers")
    args = parser.parse_args()
    if args.db != "postgres":
        sys.exit("crash.py needs PostgreSQL")
    if args.quick:
        args.seconds, args.clients, args.workers = 12, 8, 2
    bench = prepare(args, applicants=100)
    acknowledged: dict[str, str] = {}
    try:
        good = True
        for what in ([args.only] if args.only else ["kill", "postgres"]):
            good = run(bench, args, what=what, seconds=args.seconds, clients=args.clients,
                       workers=args.workers, threads=args.threads, acknowledged=acknowledged) and good
    finally:
        discard(bench, args)
    print("exactly once: OK" if good else "exactly once: FAILED")
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
