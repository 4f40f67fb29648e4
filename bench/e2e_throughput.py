"""End-to-end throughput: encounters in through coding-svc's REST intake -> patient balances posted.

    .venv/bin/python bench/e2e_throughput.py [--duration 60] [--clients 50 | --rate 300] [--no-sandbox]

Starts everything itself (openrcm_devtools' LocalStack, as `make run` does), each service on a fresh
PostgreSQL database (dropped afterwards): the local broker (tansu), the four services as uvicorn
processes and the sandbox clearinghouse and payer (`python -m openrcm_sandbox` with an API key and the
real date as its business date; payer contracts generated for the bench: one payer, a member pool,
deductible, copay and coinsurance; a payment run every --payment-run-interval seconds). claims-svc and
payments-svc are wired to the sandbox as in the demo: claims go to its HTTP API, its 835s land straight
in payments-svc's ERA drop directory. The sandbox pays within seconds, so an 835 may overtake its
claims' ClaimSubmitted; payments-svc stages those remit claims unmatched and matches and posts them when
the event arrives (reported: the most staged at once, and how many are left after the drain - 0 expected).
The tenant's reference data: coding policy auto-release of clean provider codes, claims-svc route (HTTP
clearinghouse = the sandbox), payer, billing profile and fee schedule, payments-svc auto-posting of clean
remittances, the patient-billing policy.

Load: coded encounters posted to POST /v1/encounters for --duration seconds, by --clients clients back
to back (closed loop) or at --rate per second whatever the answers (open loop). Every
--sample-interval seconds, during the load and the drain after it, it counts what each service's
database holds (encounters; claims created; ClaimSubmitted written; RemitReceived written = remits
posted; visits whose last payer answered = patient balances posted) and reads each consumer group's
lag from the broker. The run ends when every accepted encounter reached the last stage or after
--drain-timeout.

Reported: the intake rate; the end-to-end rate over the second half of the load (steady state: the
pipeline is full) and over the whole run including the drain; the drain time; per-encounter
end-to-end latency (encounter stored -> visit adjudicated) p50/p99; each group's lag (max, at the end
of the load, at the end). With --no-sandbox, claims go to a file-drop directory and the path ends at
"claims submitted".

Also reported: the CPU time of each process (each service, the sandbox, the broker, the whole PostgreSQL
server, the load generator) during the load and over the whole run, and per encounter. Encounters are
posted through the light HTTP client (openrcm_devtools.raw_http): httpx would take ~10% of the machine.
This machine's PostgreSQL runs with autovacuum off, so every --vacuum-interval seconds the bench runs
VACUUM (ANALYZE) on the four databases as autovacuum would (openrcm_devtools.databases.vacuumed_every).

The load generator, four services, the sandbox, PostgreSQL and the broker share the machine's cores:
numbers are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx

from openrcm_devtools import cpu, demo_day, samples
from openrcm_devtools.consumer_lag import LagReader
from openrcm_devtools.databases import asyncpg_dsn, create_database, drop_database, vacuumed_every
from openrcm_devtools.processes import SERVICES, LocalBroker, SandboxProcess
from openrcm_devtools.stack import LocalStack
from openrcm_devtools.pytest_plugin import TEST_JWT_SECRET, token_for
from openrcm_devtools.raw_http import RawJsonPoster
from openrcm_shared.contracts import ClaimSubmitted, RemitReceived

TENANT = "bench"
PAYER_ID = "SBXBENCH"
PAYER_NAME = "Sandbox Bench PPO"
FILE_DROP = "local-drop"  # claims-svc's clearinghouse connection with --no-sandbox

#: Each stage, in path order: (key, heading).
STAGES = [("encounters", "encounters in"), ("claims", "claims created"), ("submitted", "claims submitted"),
          ("remits", "remits posted"), ("balances", "balances posted")]


def subscribed_topics() -> dict[str, list[str]]:
    """Each service's consumer group (its name) and the topics it reads, from the services' own handler tables."""
    from claims_svc.entrypoints.consumer import HANDLERS as claims
    from coding_svc.entrypoints.consumer import HANDLERS as coding
    from patient_billing_svc.entrypoints.consumer import HANDLERS as patient_billing
    from payments_svc.entrypoints.consumer import HANDLERS as payments

    tables = {"coding-svc": coding, "claims-svc": claims, "payments-svc": payments, "patient-billing-svc": patient_billing}
    return {group: [contract.topic() for contract in handlers] for group, handlers in tables.items()}


# ---------------------------------------------------------------- the sandbox clearinghouse and payer
def payer_contracts(members: int) -> str:
    """The sandbox's YAML: one payer paying 99213 and 83036, every bench member on one plan."""
    eligible_from = (date.today() - timedelta(days=400)).isoformat()
    lines = [
        "# Generated by bench/e2e_throughput.py",
        "seed: 20261205",
        "payers:",
        f'  - payer_id: "{PAYER_ID}"',
        f'    name: "{PAYER_NAME}"',
        "    claim_filing_indicator: \"12\"",  # CLP06: preferred provider organization
        "    payment_method: ACH",
        "    timely_filing_days: 365",
        "    allowed:",
        '      "99213": "92.00"',
        '      "83036": "13.00"',
        "    unlisted_procedures: deny",
        "    plans:",
        "      BENCH-PPO:",
        '        deductible: "500.00"',
        '        coinsurance_percent: "20"',
        '        copays: {"99213": "25.00"}',
        '        out_of_pocket_max: "3000.00"',
        "    members:",
    ]
    # Half the members have met their deductible, so the payer pays part of their claims; the others owe it all.
    lines += [f'      - {{member_id: "{member_id(n)}", plan: BENCH-PPO, eligible_from: {eligible_from}, '
              f'deductible_met: "{"500.00" if n % 2 == 0 else "0.00"}"}}' for n in range(members)]
    lines += ["    medical_necessity:", '      "83036": ["E08", "E09", "E10", "E11", "E13", "R73"]']
    return "\n".join(lines) + "\n"


def patient_id(n: int) -> str:
    return f"MRN-{n:07d}"


def member_id(n: int) -> str:
    # samples.encounter names the member after the patient id's last four characters.
    return f"M{patient_id(n)[-4:]}X"


# ---------------------------------------------------------------- load
@dataclass
class Offered:
    accepted: int = 0
    errors: int = 0
    started: float = 0.0
    ended: float = 0.0
    latencies: list[float] = field(default_factory=list)
    error_kinds: dict[str, int] = field(default_factory=dict)  # HTTP status or transport error -> count


class EncounterSource:
    """Encounter n: patient n mod --members (its member on the sandbox payer), the service date moved back a day
    each time the pool wraps, so no two claims look like duplicates to the payer."""

    def __init__(self, members: int) -> None:
        self.members = members
        self._counter = itertools.count()

    def next_body(self) -> dict:
        n = next(self._counter)
        return samples.encounter(f"E2E-{uuid.uuid4().hex[:16]}", patient_id=patient_id(n % self.members),
                                 payer_id=PAYER_ID, payer_name=PAYER_NAME, days_ago=2 + (n // self.members) % 300)


async def _post(client: RawJsonPoster, source: EncounterSource, offered: Offered) -> None:
    started = time.perf_counter()
    answer = await client.post(source.next_body())
    offered.latencies.append(time.perf_counter() - started)
    if answer == 201:
        offered.accepted += 1
    else:
        offered.errors += 1
        kind = f"HTTP {answer}" if isinstance(answer, int) else answer
        offered.error_kinds[kind] = offered.error_kinds.get(kind, 0) + 1


async def offer(client: RawJsonPoster, source: EncounterSource, args: argparse.Namespace) -> Offered:
    offered = Offered(started=time.time())
    deadline = time.perf_counter() + args.duration
    if args.rate:
        tasks = []
        start = time.perf_counter()
        for i in range(int(args.rate * args.duration)):
            delay = start + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_post(client, source, offered)))
        await asyncio.gather(*tasks)
    else:
        async def worker() -> None:
            while time.perf_counter() < deadline:
                await _post(client, source, offered)

        await asyncio.gather(*(worker() for _ in range(args.clients)))
    offered.ended = time.time()
    return offered


# ---------------------------------------------------------------- measurement

class Counters:
    """What each service's own database holds (the bench may look into all of them; the services never do)."""

    def __init__(self, database_urls: dict[str, str]) -> None:
        self.urls = database_urls
        self.db: dict[str, asyncpg.Connection] = {}

    async def open(self) -> None:
        for name, url in self.urls.items():
            self.db[name] = await asyncpg.connect(asyncpg_dsn(url))

    async def close(self) -> None:
        for connection in self.db.values():
            await connection.close()

    async def read(self) -> dict[str, int]:
        claims = self.db["claims-svc"]
        return {
            "encounters": await self.db["coding-svc"].fetchval(
                "SELECT count(*) FROM encounters WHERE tenant_id = $1", TENANT),
            "claims": await claims.fetchval("SELECT count(*) FROM claims WHERE tenant_id = $1", TENANT),
            "submitted": await claims.fetchval(
                "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND topic = $2", TENANT, ClaimSubmitted.topic()),
            "remits": await self.db["payments-svc"].fetchval(
                "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND topic = $2", TENANT, RemitReceived.topic()),
            "balances": await self.db["patient-billing-svc"].fetchval(
                "SELECT count(*) FROM visits WHERE tenant_id = $1 AND status = 'adjudicated'", TENANT),
            "unmatched": await self.db["payments-svc"].fetchval(
                "SELECT count(*) FROM remit_claims WHERE tenant_id = $1 AND status = 'unmatched'", TENANT),
        }

    async def latencies(self) -> list[float]:
        """Seconds from the encounter stored by coding-svc to its visit adjudicated in patient-billing-svc."""
        stored = {r["id"]: r["created_at"] for r in await self.db["coding-svc"].fetch(
            "SELECT id, created_at FROM encounters WHERE tenant_id = $1", TENANT)}
        done = await self.db["patient-billing-svc"].fetch(
            "SELECT encounter_id, updated_at FROM visits WHERE tenant_id = $1 AND status = 'adjudicated'", TENANT)
        return sorted((r["updated_at"] - stored[r["encounter_id"]]).total_seconds()
                      for r in done if r["encounter_id"] in stored)

    async def submit_latencies(self) -> list[float]:
        """Seconds from the encounter stored to its claim's ClaimSubmitted written (the path without the payer)."""
        stored = {r["id"]: r["created_at"] for r in await self.db["coding-svc"].fetch(
            "SELECT id, created_at FROM encounters WHERE tenant_id = $1", TENANT)}
        rows = await self.db["claims-svc"].fetch(
            "SELECT envelope, created_at FROM outbox_events WHERE tenant_id = $1 AND topic = $2", TENANT,
            ClaimSubmitted.topic())
        out = []
        for row in rows:
            encounter = uuid.UUID(json.loads(row["envelope"])["payload"]["encounter_id"])
            if encounter in stored:
                out.append((row["created_at"] - stored[encounter]).total_seconds())
        return sorted(out)


@dataclass
class Sample:
    at: float
    counts: dict[str, int]
    lag: dict[str, int]


async def sample_until(counters: Counters, reader: LagReader, groups: dict[str, list[str]], samples_: list[Sample],
                       *, interval: float, stop: asyncio.Event) -> None:
    while True:
        counts = await counters.read()
        lag = {group: value.total for group, value in (await reader.lag(groups)).items()}
        samples_.append(Sample(time.time(), counts, lag))
        try:
            await asyncio.wait_for(stop.wait(), interval)
            return
        except asyncio.TimeoutError:
            pass


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(pct / 100 * (len(values) - 1))))]


def _at(series: list[Sample], moment: float) -> Sample:
    """The last sample taken at or before ``moment`` (the first one if none)."""
    chosen = series[0]
    for s in series:
        if s.at <= moment:
            chosen = s
    return chosen


async def run(args: argparse.Namespace, stack: LocalStack, database_urls: dict[str, str], last_stage: str) -> dict:
    groups = subscribed_topics()
    await _reference_data(stack, args)
    counters = Counters(database_urls)
    await counters.open()
    series: list[Sample] = []
    # The light client: httpx would spend more CPU than coding-svc on these two cores (see intake_throughput.py).
    client = RawJsonPoster("127.0.0.1", stack["coding-svc"].port, "/v1/encounters",
                           token_for("ehr_integration", tenants=(TENANT,)))
    try:
        async with LagReader(stack.broker.bootstrap_servers) as reader, \
                vacuumed_every(database_urls.values(), args.vacuum_interval) as vacuums:
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample_until(counters, reader, groups, series,
                                                       interval=args.sample_interval, stop=stop))
            cpu_start = cpu_reading(stack)
            offered = await offer(client, EncounterSource(args.members), args)
            cpu_end_of_load = cpu_reading(stack)
            drain_deadline = time.monotonic() + args.drain_timeout
            drained_at = None
            quiet_at = None
            while time.monotonic() < drain_deadline and not sampler.done():
                latest = series[-1] if series else None  # the sampler owns the connections; it read this
                if latest is not None and drained_at is None and latest.counts[last_stage] >= offered.accepted:
                    drained_at = latest.at
                if drained_at is not None and latest is not None and not any(latest.lag.values()):
                    quiet_at = latest.at  # every consumer group caught up too (e.g. claims-svc's RemitReceived)
                    break
                await asyncio.sleep(0.2)
            cpu_end, cpu_end_at = cpu_reading(stack), time.time()
            stop.set()
            await sampler
            final_lag = {group: value.as_dict() for group, value in (await reader.lag(groups)).items()}
        latencies = await (counters.latencies() if last_stage == "balances" else counters.submit_latencies())
        final_counts = await counters.read()
    finally:
        await client.close()
        await counters.close()
    result = summarise(args, offered, series, final_counts, final_lag, latencies, drained_at, last_stage)
    result["all_lags_zero_s_after_load"] = (quiet_at - offered.ended) if quiet_at else None
    result["vacuum_runs_s"] = vacuums
    result["cpu_s"] = {"load": cpu.used_between(cpu_start, cpu_end_of_load), "run": cpu.used_between(cpu_start, cpu_end),
                       "load_wall_s": offered.ended - offered.started,
                       "run_wall_s": cpu_end_at - offered.started}
    return result


def cpu_reading(stack: LocalStack) -> dict[str, float] | None:
    """CPU seconds so far of each service, the sandbox, the broker, PostgreSQL and this load generator."""
    roots = {name: service.process.pid if service.process else None for name, service in stack.services.items()}
    roots["sandbox"] = stack.sandbox.process.pid if stack.sandbox and stack.sandbox.process else None
    roots["broker"] = stack.broker.process.pid if stack.broker.process else None
    reading = cpu.cpu_seconds(roots, postgres=True)
    if reading is not None:
        reading["load generator"] = time.process_time()  # this process only: its tree holds everything else
    return reading


def summarise(args: argparse.Namespace, offered: Offered, series: list[Sample], final_counts: dict[str, int],
              final_lag: dict[str, dict], latencies: list[float], drained_at: float | None, last_stage: str) -> dict:
    duration = offered.ended - offered.started
    middle, end_of_load = _at(series, offered.started + duration / 2), _at(series, offered.ended)
    steady_span = end_of_load.at - middle.at
    steady = (end_of_load.counts[last_stage] - middle.counts[last_stage]) / steady_span if steady_span > 0 else 0.0
    overall_end = drained_at or series[-1].at
    groups = list(final_lag)
    stages = {}
    for key, _ in STAGES:
        complete = next((s.at for s in series if s.counts[key] >= offered.accepted > 0), None)
        stages[key] = {
            "at_end_of_load": end_of_load.counts[key],
            "steady_per_s": (end_of_load.counts[key] - middle.counts[key]) / steady_span if steady_span > 0 else 0.0,
            "all_done_s": round(complete - offered.started, 1) if complete else None,
            "final": final_counts[key],
        }
    return {
        "mode": f"open, {args.rate}/s offered" if args.rate else f"closed, {args.clients} clients",
        "last_stage": last_stage,
        "duration_s": round(duration, 1),
        "accepted": offered.accepted,
        "errors": offered.errors,
        "error_kinds": offered.error_kinds,
        "intake_per_s": offered.accepted / duration if duration else 0.0,
        "intake_p50_ms": _percentile(sorted(offered.latencies), 50) * 1000,
        "intake_p99_ms": _percentile(sorted(offered.latencies), 99) * 1000,
        "steady_e2e_per_s": steady,
        "done_during_load": end_of_load.counts[last_stage],
        "overall_e2e_per_s": final_counts[last_stage] / (overall_end - offered.started),
        "drain_s": (drained_at - offered.ended) if drained_at else None,
        "drained": drained_at is not None,
        "e2e_latency_p50_s": _percentile(latencies, 50),
        "e2e_latency_p99_s": _percentile(latencies, 99),
        "final_counts": final_counts,
        # Remit claims staged because their 835 overtook ClaimSubmitted; payments-svc matches them when it arrives.
        "unmatched_max": max((s.counts["unmatched"] for s in series), default=0),
        "stages": stages,
        "lag_max": {g: max((s.lag.get(g, 0) for s in series), default=0) for g in groups},
        "lag_end_of_load": {g: end_of_load.lag.get(g, 0) for g in groups},
        "lag_final": final_lag,
        "series": [{"t_s": round(s.at - offered.started, 1), **s.counts, "lag": s.lag} for s in series],
    }


async def _reference_data(stack: LocalStack, args: argparse.Namespace) -> None:
    admin = {"Authorization": f"Bearer {token_for('practice_admin', tenants=(TENANT,))}"}
    async with httpx.AsyncClient(headers=admin, timeout=30) as api:
        coding = stack["coding-svc"].base_url
        (await api.put(f"{coding}/v1/coding-policy", json={"auto_release_clean_provider_codes": True})).raise_for_status()
        payments = stack["payments-svc"].base_url
        (await api.put(f"{payments}/v1/posting-settings", json={"auto_post_clean_remits": True})).raise_for_status()
        billing = stack["patient-billing-svc"].base_url
        (await api.put(f"{billing}/v1/policy", json=samples.billing_policy())).raise_for_status()
    clearinghouse = FILE_DROP if args.no_sandbox else demo_day.HTTP_CONNECTION
    with httpx.Client(base_url=stack["claims-svc"].base_url, headers=admin, timeout=30) as claims_api:
        samples.post_billing_reference(claims_api, samples.billing_reference(
            clearinghouse=clearinghouse, payer_id=PAYER_ID, payer_name=PAYER_NAME))


# ---------------------------------------------------------------- report
def report(result: dict, args: argparse.Namespace) -> None:
    stage_heading = dict(STAGES)[result["last_stage"]]
    print(f"OpenRCM end to end on PostgreSQL and tansu: coding-svc intake -> {stage_heading}; "
          f"{os.cpu_count()} cores shared by the load generator, 4 services, "
          f"{'the sandbox, ' if not args.no_sandbox else ''}PostgreSQL and the broker")
    print()
    print("| load | accepted | intake/s | intake p99 ms | steady e2e/s (2nd half of load) | e2e/s incl. drain "
          "| drain s | e2e latency p50 / p99 s | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    drain = f"{result['drain_s']:.1f}" if result["drained"] else f"not drained in {args.drain_timeout:.0f}"
    print(f"| {result['mode']}, {result['duration_s']:.0f} s | {result['accepted']:,} | {result['intake_per_s']:,.1f} "
          f"| {result['intake_p99_ms']:,.0f} | {result['steady_e2e_per_s']:,.1f} | {result['overall_e2e_per_s']:,.1f} "
          f"| {drain} | {result['e2e_latency_p50_s']:.1f} / {result['e2e_latency_p99_s']:.1f} | {result['errors']} |")
    if result["errors"]:
        print("Errors: " + ", ".join(f"{kind} x{count:,}" for kind, count in result["error_kinds"].items()))
    print()
    print("| stage | at end of load | per s, 2nd half of load | all accepted reached at s | at end |")
    print("|---|---|---|---|---|")
    for key, heading in STAGES:
        stage = result["stages"][key]
        reached = f"{stage['all_done_s']:.0f}" if stage["all_done_s"] is not None else "-"
        print(f"| {heading} | {stage['at_end_of_load']:,} | {stage['steady_per_s']:,.1f} | {reached} | {stage['final']:,} |")
    print()
    runs = result["vacuum_runs_s"]
    print(f"VACUUM (ANALYZE) of the four databases (autovacuum's stand-in): {len(runs)} rounds"
          + (f", {sum(runs) / len(runs):.1f} s each on average." if runs else "."))
    quiet = result["all_lags_zero_s_after_load"]
    print(f"Every consumer group's lag back to 0: {f'{quiet:.1f} s after the load' if quiet is not None else 'not within the drain timeout'}.")
    if not args.no_sandbox:
        unmatched = result["final_counts"]["unmatched"]
        print(f"Remit claims whose 835 overtook their ClaimSubmitted (staged unmatched until it came): at most "
              f"{result['unmatched_max']:,} at once; still unmatched at the end: {unmatched:,}"
              + (" - NOT all matched after the drain." if unmatched else "."))
    print()
    report_cpu(result)
    print()
    print("| consumer group | lag max | lag at end of load | lag at end |")
    print("|---|---|---|---|")
    for group, final in result["lag_final"].items():
        print(f"| {group} | {result['lag_max'][group]:,} | {result['lag_end_of_load'][group]:,} | {final['total']:,} |")
    print()
    stages = [key for key, _ in STAGES]
    groups = list(result["lag_final"])
    print("| t s | " + " | ".join(h for _, h in STAGES) + " | remits unmatched | "
          + " | ".join(f"lag {g}" for g in groups) + " |")
    print("|---" * (2 + len(stages) + len(groups)) + "|")
    for row in result["series"]:
        print(f"| {row['t_s']:.0f} | " + " | ".join(f"{row[k]:,}" for k in stages) + f" | {row['unmatched']:,} | "
              + " | ".join(f"{row['lag'].get(g, 0):,}" for g in groups) + " |")
    print()
    print(json.dumps({k: v for k, v in result.items()}, indent=2, default=str))


def report_cpu(result: dict) -> None:
    """Where the machine's CPU went: per process, during the load and over the whole run (load + drain)."""
    used = result["cpu_s"]
    if used["load"] is None or used["run"] is None:
        print("CPU per process: not available (no /proc).")
        return
    cores = os.cpu_count() or 1
    done = result["final_counts"][result["last_stage"]] or 1
    print(f"CPU per process (user + system; {cores} cores = {cores * used['load_wall_s']:,.0f} core-s during the "
          f"{used['load_wall_s']:.0f} s load, {cores * used['run_wall_s']:,.0f} core-s over the "
          f"{used['run_wall_s']:.0f} s run until every lag was 0):")
    print()
    print("| process | CPU s during load | CPU s whole run | share of run | CPU ms per encounter (whole run) |")
    print("|---|---|---|---|---|")
    total_run = sum(used["run"].values()) or 1
    for name in sorted(used["run"], key=used["run"].get, reverse=True):
        run_s = used["run"][name]
        print(f"| {name} | {used['load'].get(name, 0):,.1f} | {run_s:,.1f} | {run_s / total_run:.0%} "
              f"| {run_s * 1000 / done:,.2f} |")
    print(f"| all | {sum(used['load'].values()):,.1f} | {total_run:,.1f} | 100% | {total_run * 1000 / done:,.2f} |")


# ---------------------------------------------------------------- processes
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of offered load")
    load = parser.add_mutually_exclusive_group()
    load.add_argument("--clients", type=int, default=50, help="closed loop: clients posting back to back")
    load.add_argument("--rate", type=int, default=0, help="open loop: encounters offered per second")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="no sandbox: claims go to a file-drop directory; the path ends at claims submitted")
    parser.add_argument("--payment-run-interval", type=float, default=5, help="sandbox payment run every N seconds")
    parser.add_argument("--batch-interval", type=float, default=2, help="claims-svc BATCH_INTERVAL_SECONDS")
    parser.add_argument("--era-poll", type=float, default=1, help="payments-svc ERA_DROP_POLL_SECONDS")
    parser.add_argument("--partitions", type=int, default=6, help="KAFKA_TOPIC_PARTITIONS")
    parser.add_argument("--members", type=int, default=2000, help="patients (each a sandbox member) the load cycles over")
    parser.add_argument("--sample-interval", type=float, default=2)
    parser.add_argument("--vacuum-interval", type=float, default=15,
                        help="VACUUM (ANALYZE) the service databases every N s, as autovacuum would (0: never)")
    parser.add_argument("--drain-timeout", type=float, default=600, help="seconds to wait after the load for the last stage")
    parser.add_argument("--log-level", default="WARNING", help="services' LOG_LEVEL")
    parser.add_argument("--keep", type=Path, help="keep logs, contracts and X12 files here instead of a temp dir")
    parser.add_argument("--keep-databases", action="store_true", help="do not drop the databases (printed at the end)")
    args = parser.parse_args()
    if args.members > 10_000:
        parser.error("--members: at most 10,000 (member ids come from the patient id's last four digits)")

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="openrcm-e2e-"))
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    last_stage = "submitted" if args.no_sandbox else "balances"

    broker = LocalBroker(log_path=logs / "broker.log")
    database_urls: dict[str, str] = {}
    stack: LocalStack | None = None
    try:
        broker.start()
        for name in SERVICES:
            database_urls[name] = create_database(f"openrcm_bench_e2e_{name.split('-')[0]}")
        sandbox, service_env = wiring(args, workdir)
        service_env.setdefault("claims-svc", {})["BATCH_INTERVAL_SECONDS"] = str(args.batch_interval)
        stack = LocalStack(
            database_urls=database_urls, broker=broker, jwt_secret=TEST_JWT_SECRET, log_dir=logs, sandbox=sandbox,
            extra_env={"LOG_LEVEL": args.log_level, "KAFKA_TOPIC_PARTITIONS": str(args.partitions),
                       "KAFKA_SESSION_TIMEOUT_MS": "6000"},
            service_env=service_env,
        )
        stack.start()
        stack.wait_ready()
        result = asyncio.run(run(args, stack, database_urls, last_stage))
    finally:
        if stack is not None:
            stack.stop()
        broker.stop()
        for name, url in database_urls.items():
            if args.keep_databases:
                print(f"kept {name} database: {url}", file=sys.stderr)
            else:
                drop_database(url)
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report(result, args)


def wiring(args: argparse.Namespace, workdir: Path) -> tuple[SandboxProcess | None, dict[str, dict[str, str]]]:
    """The sandbox (None with --no-sandbox) and the per-service settings that point claims-svc and payments-svc at it.

    The sandbox writes its 835s straight into payments-svc's ERA drop directory, as a clearinghouse would: an 835
    that overtakes its claims' ClaimSubmitted is staged unmatched and matched when that event arrives.
    """
    if args.no_sandbox:
        drop = {FILE_DROP: {"adapter": "file_drop", "directory": str(workdir / "clearinghouse")}}
        return None, {"claims-svc": {"CLEARINGHOUSES": json.dumps(drop)}}
    config = workdir / "payers.yaml"
    config.write_text(payer_contracts(args.members))
    sandbox = SandboxProcess(config=config, era_directory=workdir / "era", drop_directory=workdir / "clearinghouse",
                             api_key=secrets.token_urlsafe(24), business_date="today",
                             payment_run_interval=args.payment_run_interval)
    service_env = demo_day.service_env(sandbox)
    service_env["payments-svc"]["ERA_DROP_POLL_SECONDS"] = str(args.era_poll)
    return sandbox, service_env


if __name__ == "__main__":
    main()
