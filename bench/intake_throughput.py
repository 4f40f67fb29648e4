"""REST intake benchmark: coding-svc on PostgreSQL, as a uvicorn process, with the local broker.

    .venv/bin/python bench/intake_throughput.py [--seconds 20] [--concurrency 50 200] [--rate 500]

Closed loop: N clients post coded encounters back to back (throughput, p50/p99 latency).
Open loop: requests are started at a fixed rate whatever the answers (p99 at an offered load).
The load generator runs on the same 2 cores as the service and PostgreSQL: numbers are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import time
import uuid

import httpx

from openrcm_devtools import samples
from openrcm_devtools.databases import create_database, drop_database
from openrcm_devtools.processes import LocalBroker, ServiceProcess
from openrcm_devtools.pytest_plugin import TEST_JWT_SECRET, token_for

_counter = itertools.count()


def _body() -> dict:
    n = next(_counter)
    return samples.encounter(f"BENCH-{uuid.uuid4().hex[:12]}", patient_id=f"MRN-{n:07d}")


async def _created(client: httpx.AsyncClient) -> bool:
    """One intake request; a refused connection or an error answer counts as an error, not a crash."""
    try:
        return (await client.post("/v1/encounters", json=_body())).status_code == 201
    except httpx.TransportError:
        return False


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


async def closed_loop(client: httpx.AsyncClient, concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            if not await _created(client):
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"mode": f"closed, {concurrency} clients", "requests": len(latencies), "per_s": len(latencies) / elapsed,
            "p50_ms": _percentile(latencies, 50) * 1000, "p99_ms": _percentile(latencies, 99) * 1000, "errors": errors}


async def open_loop(client: httpx.AsyncClient, rate: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0

    async def one() -> None:
        nonlocal errors
        started = time.perf_counter()
        if not await _created(client):
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


async def run(args: argparse.Namespace, base_url: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {token_for('ehr_integration', tenants=('bench',))}"}
    limits = httpx.Limits(max_connections=max(args.concurrency) + 50, max_keepalive_connections=max(args.concurrency) + 50)
    results = []
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60, limits=limits) as client:
        # Clean provider codes are released at intake: each request stores the encounter and its event.
        admin = {"Authorization": f"Bearer {token_for('practice_admin', tenants=('bench',))}"}
        policy = await client.put("/v1/coding-policy", json={"auto_release_clean_provider_codes": True}, headers=admin)
        policy.raise_for_status()
        await closed_loop(client, 10, 3)  # warm-up
        for concurrency in args.concurrency:
            results.append(await closed_loop(client, concurrency, args.seconds))
        if args.rate:
            results.append(await open_loop(client, args.rate, args.seconds))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--rate", type=int, default=500, help="open-loop offered rate (0 to skip)")
    args = parser.parse_args()
    broker = LocalBroker().start()
    database_url = create_database("openrcm_bench")
    service = ServiceProcess(name="coding-svc", env={
        "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "AUTH_JWT_SECRET": TEST_JWT_SECRET, "LOG_LEVEL": "WARNING",
    })
    try:
        service.start()
        service.wait_live()
        results = asyncio.run(run(args, service.base_url))
    finally:
        service.stop()
        broker.stop()
        drop_database(database_url)
    print(f"coding-svc POST /v1/encounters, PostgreSQL, 1 uvicorn worker, {os.cpu_count()} cores shared with the load generator")
    print(f"{'mode':<24}{'requests':>10}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for r in results:
        print(f"{r['mode']:<24}{r['requests']:>10}{r['per_s']:>10.0f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}{r['errors']:>8}")


if __name__ == "__main__":
    main()
