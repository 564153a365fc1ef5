"""Call-next under contention: one centre, 1,000 waiting tickets, 60 counters calling at once.

Each counter is a separate process (so the figures are the database's, not Python's GIL) that
calls `ticket_call_next` through the real action (lock the counter, SELECT ... FOR UPDATE SKIP
LOCKED the lowest-ranked ticket, update it, append its event and audit entry, commit) and then
marks the ticket "did not come" to free the counter (not timed). As in production, the task
queue is Redis (a private redis-server the script starts): the near-front SMS check is queued for
a worker after each call; the script runs those tasks afterwards and says how long they took.
Prints call-next p50/p95/p99 latency and tickets called per second, and asserts no ticket was
called twice.

    .venv/bin/python benchmarks/call_next.py                 # 1,000 tickets, 60 counters, 60 processes
    .venv/bin/python benchmarks/call_next.py --processes 4   # the same 60 counters through 4 workers
    .venv/bin/python benchmarks/call_next.py --tickets 5000 --counters 30 --keep

The script creates its own PostgreSQL database (default bench_queue) and drops it at the end.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the repository on the path, so `benchmarks.common` and `tereze` import.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import multiprocessing as mp  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections import Counter as Tally  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ALL_DAY = {str(day): ["00:00", "23:59"] for day in range(7)}


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def start_redis() -> tuple[subprocess.Popen[bytes], int]:
    """A private Redis for the task queue (as in production): the near-front SMS check is queued
    for a worker after each call instead of running on the operator's request."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                return server, port
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def setup_django(database: str, redis_port: int) -> None:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{database}"
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tereze.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def build_world(tickets: int, counters: int) -> tuple[list[int], list[int]]:
    """Register, centre, counters with operators signed in, and the waiting tickets."""
    import datetime as dt
    import random

    from django.core.management import call_command

    from tereze.centres import actions
    from tereze.centres.hours import is_public_holiday
    from tereze.centres.models import Centre
    from tereze.centres.states import Priority
    from tereze.core import clock
    from tereze.core.actions import user_create
    from tereze.core.identity import make_iin
    from tereze.core.models import WorkingDayTransfer
    from tereze.registry.models import Region, Service, Standard, StateBody

    call_command("migrate", verbosity=0)
    today = clock.today()
    if is_public_holiday(today):
        WorkingDayTransfer.objects.create(date=today, kind=WorkingDayTransfer.Kind.WORKING_DAY)
    region = Region.objects.create(code="bench", name_kk="Бench", name_ru="Бенч", name_en="Bench", kind="city",
                                   population=1_000_000)
    body = StateBody.objects.create(code="bench-body", name_kk="Орган", name_ru="Орган", name_en="Body",
                                    level=StateBody.Level.MINISTRY)
    service = Service.objects.create(code="B001", name_kk="Қызмет", name_ru="Услуга", name_en="Service",
                                     recipient_type="individual", category="identity", body=body)
    Standard.objects.create(service=service, version=1, published=True, valid_from=dt.date(2024, 1, 1),
                            deadline_working_days=10, result_type="document", channels=["centre"],
                            access_model="single", legal_basis="benchmark")
    centre = Centre.objects.create(code="bench-1", name_kk="ХҚКО", name_ru="ЦОН", name_en="Centre", region=region,
                                   address="1 Bench street", opening_hours=ALL_DAY)
    counter_ids, operator_ids = [], []
    for n in range(1, counters + 1):
        counter = actions.counter_create(centre=centre, number=n, services=[service])
        operator = user_create(username=f"bench-operator-{n}", role="operator", centre_id=centre.pk)
        actions.counter_sign_in(counter=counter, operator=operator)
        counter_ids.append(counter.pk)
        operator_ids.append(operator.pk)
    rng = random.Random(1)
    start = clock.now() - dt.timedelta(hours=3)
    for n in range(tickets):
        iin = make_iin(birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=n * 7), sex="MF"[n % 2], serial=n)
        priority = Priority.ELDERLY if rng.random() < 0.1 else Priority.NONE
        with clock.frozen(start + dt.timedelta(seconds=n * 10)):
            actions.ticket_issue(centre=centre, service=service, iin=iin, priority=priority)
    return counter_ids, operator_ids


def operate(pairs: list[tuple[int, int]], barrier: object, results: object) -> None:
    """Serve these counters (each with its operator) until nobody is left: one process with its own
    connection, taking its counters in turn, as one web worker serves many consoles."""
    from django.db import connections

    from tereze.centres import actions
    from tereze.centres.models import Counter
    from tereze.core.models import User

    connections.close_all()  # never share the parent's socket
    desks = [(Counter.objects.get(pk=c), User.objects.get(pk=o)) for c, o in pairs]
    timings: list[tuple[int, float, float]] = []
    in_database = [0.0]
    by_statement: Tally[str] = Tally()

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - began
            in_database[0] += spent
            by_statement[" ".join(sql.split()[:4])[:60]] += spent

    barrier.wait()  # type: ignore[attr-defined]
    while desks:
        for desk in list(desks):
            counter, operator = desk
            began, in_database[0] = time.perf_counter(), 0.0
            with connections["default"].execute_wrapper(timed):
                ticket = actions.ticket_call_next(counter=counter, operator=operator)
            elapsed = time.perf_counter() - began
            if ticket is None:
                desks.remove(desk)
                continue
            timings.append((ticket.pk, elapsed, in_database[0]))
            actions.ticket_no_show(ticket=ticket, operator=operator)
    connections.close_all()
    results.put((timings, dict(by_statement)))  # type: ignore[attr-defined]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--counters", type=int, default=60)
    parser.add_argument("--processes", type=int, default=None,
                        help="client processes sharing the counters (default: one per counter)")
    parser.add_argument("--database", default="bench_queue")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    admin_sql(f'DROP DATABASE IF EXISTS "{args.database}"')
    admin_sql(f'CREATE DATABASE "{args.database}"')
    redis, redis_port = start_redis()
    try:
        setup_django(args.database, redis_port)
        from django.db import connections

        began = time.perf_counter()
        counter_ids, operator_ids = build_world(args.tickets, args.counters)
        print(f"setup: {args.tickets} waiting tickets, {args.counters} counters "
              f"({time.perf_counter() - began:.1f} s)")
        connections.close_all()

        context = mp.get_context("fork")
        processes = min(args.processes or args.counters, args.counters)
        pairs = list(zip(counter_ids, operator_ids, strict=True))
        barrier = context.Barrier(processes + 1)
        results = context.Queue()
        workers = [context.Process(target=operate, args=(pairs[n::processes], barrier, results))
                   for n in range(processes)]
        for worker in workers:
            worker.start()
        barrier.wait()
        started = time.perf_counter()
        timings: list[tuple[int, float, float]] = []
        statements: Tally[str] = Tally()
        for _ in workers:
            got, spent = results.get()
            timings.extend(got)
            statements.update(spent)
        wall = time.perf_counter() - started
        for worker in workers:
            worker.join()
            assert worker.exitcode == 0, f"a counter process failed (exit {worker.exitcode})"

        from tereze.centres.models import Ticket, TicketEvent

        called = [pk for pk, _, _ in timings]
        twice = [pk for pk, n in Tally(called).items() if n > 1]
        assert not twice, f"tickets called twice: {twice[:10]}"
        assert len(called) == args.tickets, f"called {len(called)} of {args.tickets}"
        events = Tally(TicketEvent.objects.filter(kind="called").values_list("ticket_id", flat=True))
        assert len(events) == args.tickets and max(events.values()) == 1, "event log disagrees"
        assert not Ticket.objects.filter(status="waiting").exists()

        latencies = [seconds * 1000 for _, seconds, _ in timings]
        database = [seconds * 1000 for _, _, seconds in timings]
        print(f"call-next over {len(latencies)} calls by {args.counters} counters in {processes} concurrent "
              f"client processes (PostgreSQL, {os.cpu_count()} CPUs):")
        print(f"  p50 {percentile(latencies, 50):.2f} ms   p95 {percentile(latencies, 95):.2f} ms   "
              f"p99 {percentile(latencies, 99):.2f} ms   max {max(latencies):.2f} ms   "
              f"mean {statistics.fmean(latencies):.2f} ms")
        print(f"  of which in SQL statements (BEGIN/COMMIT not included; lock and CPU waits are): "
              f"p50 {percentile(database, 50):.2f} ms   p99 {percentile(database, 99):.2f} ms")
        print("  database time by statement (ms per call-next): " + "; ".join(
            f"{sql} {seconds * 1000 / len(timings):.2f}" for sql, seconds in statements.most_common(6)))
        print(f"  {len(called) / wall:.0f} tickets/s called (each counter also marks its ticket, untimed; "
              f"{wall:.2f} s wall)")
        print("  no ticket called twice; one CALLED event per ticket")

        from huey.contrib.djhuey import HUEY

        import tereze.centres.tasks  # noqa: F401 - registers the task with this process's queue

        queued, began = HUEY.pending_count(), time.perf_counter()
        while (task := HUEY.dequeue()) is not None:
            HUEY.execute(task)
        print(f"  near-front SMS checks queued for the worker: {queued}, run afterwards in "
              f"{time.perf_counter() - began:.2f} s")
        connections.close_all()
    finally:
        redis.terminate()
        if not args.keep:
            admin_sql(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
