"""Flash crowd, scaled down but faithful: TOTAL submissions for one service offered within SECONDS, the
first tenth of the time at 10x the base rate (the issue's full size: 100,000 in 300 s, 10x for 30 s).
Arrivals are open-loop (they come whether or not the server keeps up). Overload must be answered:
beyond capacity the server says 503 + Retry-After, clients come back after it with the same
Idempotency-Key and the arrival ticket the 503 carried. Prints 5xx other than 503 (must be 0), lost
(must be 0), and whether the order of submission recorded for those admitted (first try or after
waiting) respects the order in which they first arrived.

    .venv/bin/python benchmarks/flash_crowd.py                       # 6,000 in 60 s, 10x for 6 s
    .venv/bin/python benchmarks/flash_crowd.py --total 100000 --seconds 300
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the repository on the path, so `benchmarks.common` and `tereze` import.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import asyncio
import contextlib
import json
import random
import resource
import time

from benchmarks.common import (
    Bench,
    CpuSplit,
    Outcome,
    Server,
    arguments,
    discard,
    exactly_once_report,
    new_key,
    payload,
    percentile,
    prepare,
)


def schedule(total: int, seconds: float) -> list[float]:
    """Arrival times: the first 10 % of the window at 10x the rate of the rest."""
    burst = seconds / 10
    base_rate = total / (burst * 10 + (seconds - burst))
    in_burst = round(base_rate * 10 * burst)
    times = sorted(random.uniform(0, burst) for _ in range(in_burst))  # noqa: S311
    times += sorted(random.uniform(burst, seconds) for _ in range(total - in_burst))  # noqa: S311
    return times


async def post(host: str, port: int, token: str, body: bytes, key: str, ticket: str,
               timeout: float = 30) -> Outcome:
    """One submission on a connection of its own, as a browser or an integrating system of its own
    would send it: plain asyncio streams, a few times cheaper than aiohttp, so the crowd's client
    takes less of the two cores the server needs."""
    head = (f"POST /api/v1/applications HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\n"
            + (f"Arrival-Ticket: {ticket}\r\n" if ticket else "")
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    started = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(head.encode() + body)
            answer = await reader.read(-1)
    except (TimeoutError, OSError) as error:
        return Outcome(0, time.monotonic() - started, started, error=f"{type(error).__name__}: {str(error)[-60:]}")
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await writer.wait_closed()  # the descriptor is free only then (else the crowd runs out)
    head_text, _, content = answer.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 "):
        return Outcome(0, time.monotonic() - started, started, error="no answer")
    status = int(lines[0].split(" ")[1])
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    number = json.loads(content).get("number", "") if status == 201 else ""
    return Outcome(status, time.monotonic() - started, started, number=number,
                   retry_after=float(headers.get("retry-after", "0") or 0), ticket=headers.get("arrival-ticket", ""))


def descriptors() -> int:
    """Raise this process's open-file limit as far as allowed; how many connections it can hold open."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return max(100, soft - 1000)


async def crowd(bench: Bench, server: Server, arrivals: list[float], deadline: float) -> dict[str, object]:
    # A crowd of people has a descriptor each; this one client has a limit. Beyond it an applicant
    # waits here for one (counted, and not blamed on the server) rather than fail to connect.
    sockets = asyncio.Semaphore(descriptors())
    waited_for_socket = 0
    arrived_ok: list[tuple[float, str]] = []  # (wall-clock time of the first attempt, number)
    acknowledged: dict[str, str] = {}
    latencies: list[float] = []
    told_to_wait: list[float] = []  # every Retry-After received
    counts: dict[str, int] = {}
    lost = 0
    started = time.monotonic()

    async def applicant(n: int, at: float) -> None:
        nonlocal lost, waited_for_socket
        await asyncio.sleep(max(0.0, started + at - time.monotonic()))
        key, ticket, arrived, first_sent = new_key(), "", time.monotonic(), None
        body = json.dumps(payload(bench, n)).encode()
        while True:
            waited_for_socket += sockets.locked()
            async with sockets:
                sent = time.time()
                outcome = await post("127.0.0.1", server.port, bench.token, body, key, ticket)
            if "Errno 24" not in outcome.error:  # this client's own descriptor limit: the server saw nothing
                first_sent = first_sent or sent
            status = f"0 {outcome.error}" if outcome.error else str(outcome.status)
            counts[status] = counts.get(status, 0) + 1
            if outcome.status == 201:
                acknowledged[key] = outcome.number
                latencies.append(time.monotonic() - arrived)
                arrived_ok.append((first_sent or sent, outcome.number))
                return
            if 400 <= outcome.status < 500 and outcome.status != 429:
                lost += 1
                return
            if time.monotonic() > started + deadline:
                lost += 1
                return
            ticket = outcome.ticket or ticket
            wait = outcome.retry_after or 1.0
            told_to_wait.append(outcome.retry_after)
            await asyncio.sleep(wait + random.random() * wait)  # noqa: S311

    await asyncio.gather(*(applicant(n, at) for n, at in enumerate(arrivals)))
    return {"acknowledged": acknowledged, "latencies": latencies, "counts": counts, "lost": lost,
            "arrived_ok": arrived_ok,
            "told_to_wait": told_to_wait, "elapsed": time.monotonic() - started, "waited_for_socket": waited_for_socket}


def order_figures(database_url: str, arrived_ok: list[tuple[float, str]]) -> tuple[float, float]:
    """For every application admitted: how long, at most and at p99, an applicant who arrived earlier
    was overtaken by one who arrived later, in the order of submission the database records."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        submitted = dict(conn.execute("SELECT number, extract(epoch FROM created_at) "
                                      "FROM applications_application").fetchall())
    rows = sorted((float(submitted[number]), arrived) for arrived, number in arrived_ok if number in submitted)
    overtaken, latest_arrival = [], float("-inf")
    for _, arrived in rows:  # in acceptance order: how much earlier than someone already served did I arrive?
        overtaken.append(max(0.0, latest_arrival - arrived))
        latest_arrival = max(latest_arrival, arrived)
    return (max(overtaken) if overtaken else 0.0), percentile(overtaken, 99)


def main() -> None:
    parser = arguments(__doc__ or "", database="bench_flash")
    parser.add_argument("--total", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--give-up", type=float, default=None, help="a client gives up after (default 3x window)")
    args = parser.parse_args()
    bench = prepare(args)
    server = Server(bench.env, workers=args.workers, threads=args.threads).start()
    try:
        arrivals = schedule(args.total, args.seconds)
        burst_rate = sum(1 for a in arrivals if a < args.seconds / 10) / (args.seconds / 10)
        print(f"Flash crowd: {args.total} submissions in {args.seconds:.0f} s, {burst_rate:.0f}/s for the first "
              f"{args.seconds / 10:.0f} s then {len(arrivals) / args.seconds:.0f}/s on average; gunicorn "
              f"{args.workers}x{args.threads}, TEREZE_API_CONCURRENCY={bench.env.get('TEREZE_API_CONCURRENCY', '8')}")
        with CpuSplit(server) as cpu:
            result = asyncio.run(crowd(bench, server, arrivals, args.give_up or args.seconds * 3))
        counts: dict[str, int] = result["counts"]  # type: ignore[assignment]
        latencies: list[float] = result["latencies"]  # type: ignore[assignment]
        server_errors = sum(v for k, v in counts.items() if k.startswith("5") and k != "503")
        report = exactly_once_report(bench.database_url, result["acknowledged"])  # type: ignore[arg-type]
        overtaken_max, overtaken_p99 = order_figures(bench.database_url, result["arrived_ok"])  # type: ignore[arg-type]
        print(f"  responses {dict(sorted(counts.items()))} (0 = no answer, and why); attempts that waited "
              f"for a free descriptor in this client: {result['waited_for_socket']}; cpu {cpu}")
        print(f"  accepted {report['acknowledged']} of {args.total} in {result['elapsed']:.0f} s; "
              f"5xx other than 503: {server_errors}; lost: {result['lost'] + report['lost']}; "
              f"duplicated: {report['duplicated']}")
        print(f"  time from arrival to 201 (with waits after 503): p50 {percentile(latencies, 50):.1f} s, "
              f"p99 {percentile(latencies, 99):.1f} s, max {max(latencies or [0]):.1f} s")
        told: list[float] = result["told_to_wait"]  # type: ignore[assignment]
        print(f"  Retry-After given: p50 {percentile(told, 50):.0f} s, p99 {percentile(told, 99):.0f} s, "
              f"max {max(told or [0]):.0f} s")
        print(f"  order of submission among all admitted: overtaken by a later arrival at most "
              f"{overtaken_max * 1000:.0f} ms (p99 {overtaken_p99 * 1000:.0f} ms)")
    finally:
        server.stop()
        discard(bench, args)


if __name__ == "__main__":
    main()
