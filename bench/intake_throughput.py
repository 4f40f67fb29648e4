"""REST intake benchmark: coding-svc on PostgreSQL, as a uvicorn process, with the local broker.

    .venv/bin/python bench/intake_throughput.py [--seconds 20] [--concurrency 50 200] [--rate 500] [--workers 1]
                                                [--client raw|httpx]

Closed loop: N clients post coded encounters back to back (throughput, p50/p99 latency).
Open loop: requests are started at a fixed rate whatever the answers (p99 at an offered load).
The load generator runs on the same 2 cores as the service and PostgreSQL: numbers are a floor.
The default client is a minimal HTTP/1.1 keep-alive client (``--client raw``): httpx costs about as
much CPU per request as the service itself and, with 200 clients, more (its pool scans every
connection per request), so with it the bench measured mostly its own load generator.
"svc cpu ms" is the service's own CPU time (all its worker processes, user + system) per request:
unlike throughput it hardly moves when other work shares the machine, so it compares changes best;
"pg cpu ms" is PostgreSQL's (the whole server's, so only this bench should run). This machine's
PostgreSQL runs with autovacuum off, so the bench analyzes its database every --vacuum-interval
seconds as autovacuum would (see ``openrcm_devtools.databases.vacuumed_every``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx

from openrcm_devtools import cpu, samples
from openrcm_devtools.databases import create_database, drop_database, vacuumed_every
from openrcm_devtools.processes import SERVICES, LocalBroker, ServiceProcess
from openrcm_devtools.raw_http import RawJsonPoster
from openrcm_devtools.pytest_plugin import TEST_JWT_SECRET, token_for

_counter = itertools.count()


class IntakeService(ServiceProcess):
    """coding-svc as ``uvicorn --workers N`` (N processes share the port, as N replicas would)."""

    workers: int = 1

    def start(self) -> "IntakeService":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", f"{SERVICES[self.name]}.main:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--timeout-graceful-shutdown", "5",
             "--workers", str(self.workers),
             # Longer than any pause of a client between requests: a keep-alive connection the server
             # closes just as the client reuses it would count as a (spurious) transport error.
             "--timeout-keep-alive", "75"],
            env={**os.environ, **self.env}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self


def _body() -> dict:
    n = next(_counter)
    return samples.encounter(f"BENCH-{uuid.uuid4().hex[:12]}", patient_id=f"MRN-{n:07d}")


Poster = Callable[[], Awaitable[bool]]
"""Posts one encounter: True if it was created (201); an error answer or a transport error is False."""


def httpx_poster(client: httpx.AsyncClient) -> Poster:
    async def created() -> bool:
        try:
            return (await client.post("/v1/encounters", json=_body())).status_code == 201
        except httpx.TransportError:
            return False

    return created


def raw_poster(raw: RawJsonPoster) -> Poster:
    async def created() -> bool:
        return await raw.post(_body()) == 201

    return created


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


async def closed_loop(created: Poster, concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            if not await created():
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"mode": f"closed, {concurrency} clients", "requests": len(latencies), "per_s": len(latencies) / elapsed,
            "p50_ms": _percentile(latencies, 50) * 1000, "p99_ms": _percentile(latencies, 99) * 1000, "errors": errors}


async def open_loop(created: Poster, rate: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0

    async def one() -> None:
        nonlocal errors
        started = time.perf_counter()
        if not await created():
            errors += 1
        latencies.append(time.perf_counter() - started)

    tasks = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return {"mode": f"open, {rate}/s offered", "requests": len(latencies), "per_s": len(latencies) / elapsed,
            "p50_ms": _percentile(latencies, 50) * 1000, "p99_ms": _percentile(latencies, 99) * 1000, "errors": errors}


async def measured(service: IntakeService, phase) -> dict:  # type: ignore[no-untyped-def]
    """Run one phase and add the CPU milliseconds per request of the service and of PostgreSQL."""
    roots = {"svc": service.process.pid if service.process else None}
    before = cpu.cpu_seconds(roots, postgres=True)
    result = await phase
    used = cpu.used_between(before, cpu.cpu_seconds(roots, postgres=True))
    if used is not None and result["requests"]:
        result["svc_cpu_ms"] = used["svc"] * 1000 / result["requests"]
        result["pg_cpu_ms"] = used["postgresql"] * 1000 / result["requests"]
    return result


async def run(args: argparse.Namespace, service: IntakeService, database_url: str) -> list[dict]:
    base_url = service.base_url
    token = token_for("ehr_integration", tenants=("bench",))
    limits = httpx.Limits(max_connections=max(args.concurrency) + 50, max_keepalive_connections=max(args.concurrency) + 50)
    results = []
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits) as client:
        # Clean provider codes are released at intake: each request stores the encounter and its event.
        admin = {"Authorization": f"Bearer {token_for('practice_admin', tenants=('bench',))}"}
        policy = await client.put("/v1/coding-policy", json={"auto_release_clean_provider_codes": True}, headers=admin)
        policy.raise_for_status()
        raw = RawJsonPoster("127.0.0.1", service.port, "/v1/encounters", token)
        created = raw_poster(raw) if args.client == "raw" else httpx_poster(client)
        try:
            async with vacuumed_every([database_url], args.vacuum_interval):
                await closed_loop(created, 10, 3)  # warm-up
                for concurrency in args.concurrency:
                    results.append(await measured(service, closed_loop(created, concurrency, args.seconds)))
                if args.rate:
                    results.append(await measured(service, open_loop(created, args.rate, args.seconds)))
        finally:
            await raw.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--rate", type=int, default=500, help="open-loop offered rate (0 to skip)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of the service")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="load generator: minimal HTTP/1.1 (default) or httpx (heavier: it then limits the bench)")
    parser.add_argument("--vacuum-interval", type=float, default=15,
                        help="VACUUM (ANALYZE) the database every N s, as autovacuum would (0: never)")
    args = parser.parse_args()
    broker = LocalBroker().start()
    database_url = create_database("openrcm_bench")
    service = IntakeService(name="coding-svc", env={
        "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "AUTH_JWT_SECRET": TEST_JWT_SECRET, "LOG_LEVEL": "WARNING",
    })
    service.workers = args.workers
    try:
        service.start()
        service.wait_live()
        results = asyncio.run(run(args, service, database_url))
    finally:
        service.stop()
        broker.stop()
        drop_database(database_url)
    workers = f"{args.workers} uvicorn worker{'s' if args.workers > 1 else ''}"
    print(f"coding-svc POST /v1/encounters, PostgreSQL, {workers}, {os.cpu_count()} cores shared with the load generator "
          f"({args.client} client)")
    print(f"{'mode':<24}{'requests':>10}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'svc cpu ms':>12}"
          f"{'pg cpu ms':>11}")
    for r in results:
        cpu = f"{r['svc_cpu_ms']:>12.2f}{r['pg_cpu_ms']:>11.2f}" if "svc_cpu_ms" in r else f"{'-':>12}{'-':>11}"
        print(f"{r['mode']:<24}{r['requests']:>10}{r['per_s']:>10.0f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}{r['errors']:>8}{cpu}")


if __name__ == "__main__":
    main()
