"""Scale-out benchmark: claims-svc with 1, then 2 replicas in one consumer group, sharing the partitions.

    .venv/bin/python bench/scale_out.py [--encounters 2000] [--replicas 1 2] [--partitions 6]

For each replica count, on a fresh PostgreSQL database and a fresh local broker (tansu):
1. the topic ``coding.encounter-coded.v1`` is created with ``--partitions`` partitions and the
   claims-svc replicas start with KAFKA_TOPIC_PARTITIONS set to the same (one consumer group,
   ``claims-svc``, one database, the periodic batcher on in every replica, a file-drop clearinghouse);
2. the tenant's billing reference data is posted (route, payer, billing profile, fee schedule);
3. once the group is stable with every replica in it, a warm-up of 4 events per partition is
   handled, then ``--encounters`` EncounterCoded events are produced straight onto the topic (the
   relay's wire format, built from the openrcm_shared contracts): this isolates claims-svc from
   coding-svc's intake;
4. claims created/s: N / (last claim's created_at - first send) and the middle 80% of the claims
   over their own time span (start-up and tail excluded); then it waits until every claim went out
   in a batch (ClaimSubmitted in the outbox);
5. checks: every encounter has exactly one claim, the outbox holds exactly one ClaimSubmitted per
   claim, the inbox one row per event; from the replicas' logs ("event handled", with the
   partition): which partitions each replica handled and how many redeliveries the inbox absorbed.

The load generator, the replicas, PostgreSQL and the broker share the machine's cores: on 2 cores
two replicas compete with PostgreSQL for CPU, so the ratio is a floor of what more cores would give.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from openrcm_devtools import samples
from openrcm_devtools.consumer_lag import LagReader
from openrcm_devtools.databases import asyncpg_dsn, create_database, drop_database
from openrcm_devtools.processes import LocalBroker, ServiceProcess
from openrcm_devtools.pytest_plugin import TEST_JWT_SECRET, token_for
from openrcm_shared.contracts import (
    Address, ClaimSubmitted, CodedServiceLine, Coverage, DenialRaised, Diagnosis, EncounterCoded, PartyName, Patient,
    Provider, RemitReceived, Subscriber,
)
from openrcm_shared.contracts.envelope import EventEnvelope

TENANT = "bench"
GROUP = "claims-svc"
TOPIC = EncounterCoded.topic()
CLAIMS_SVC_TOPICS = [EncounterCoded.topic(), RemitReceived.topic(), DenialRaised.topic()]
WARM_UP_PER_PARTITION = 4


def coded_encounter(n: int, *, service_date: date) -> EventEnvelope:
    """Encounter ``n``: its own patient and member, two lines on the bench fee schedule, clean for the scrubber."""
    name = PartyName(last="Bench", first=f"Patient{n}")
    home = Address(line1=f"{n % 900 + 1} Elm St", city="Springfield", state="IL", postal_code="62704")
    patient = Patient(patient_id=f"MRN-{n:07d}", name=name, date_of_birth=date(1978, 6, 15), sex="F", address=home)
    event = EncounterCoded(
        encounter_id=uuid.uuid4(), revision=1, source_system="bench-ehr", external_encounter_id=f"SCALE-{n:07d}",
        patient=patient,
        coverages=[Coverage(sequence="primary", payer_id="ACME01", payer_name="Acme Health Plan", member_id=f"M{n:07d}X",
                            relationship_to_subscriber="18", subscriber=Subscriber(name=name, address=home))],
        billing_provider=Provider(npi=samples.BILLING_NPI, organization_name="Springfield Family Practice"),
        rendering_provider=Provider(npi=samples.RENDERING_NPI, name=PartyName(last="Okafor", first="Chidi")),
        place_of_service="11", service_date_from=service_date, service_date_to=service_date,
        diagnoses=[Diagnosis(sequence=1, code="E119"), Diagnosis(sequence=2, code="I10")],
        service_lines=[
            CodedServiceLine(line_number=1, code_system="CPT", procedure_code="99213", units=Decimal(1),
                             diagnosis_pointers=[1, 2], service_date=service_date, charge=Decimal("125.00")),
            CodedServiceLine(line_number=2, code_system="CPT", procedure_code="83036", units=Decimal(1),
                             diagnosis_pointers=[1], service_date=service_date, charge=Decimal("40.00")),
        ],
        coded_at=datetime.now(timezone.utc),
    )
    return EventEnvelope.wrap(event, tenant_id=TENANT, producer="coding-svc", correlation_id=f"scale-{n}")


def _epoch(value: datetime) -> float:
    return value.replace(tzinfo=value.tzinfo or timezone.utc).timestamp()


async def _create_topic(bootstrap: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(TOPIC, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def _produce(bootstrap: str, envelopes: list[EventEnvelope]) -> tuple[float, float]:
    """Send every event (acks=all) as the outbox relay would; returns (first send, last ack) wall times."""
    records = [(e.message_key.encode(), e.model_dump_json().encode()) for e in envelopes]  # serialised before timing
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await producer.start()
    try:
        started = time.time()
        pending = [await producer.send(TOPIC, value=value, key=key) for key, value in records]
        await asyncio.gather(*pending)
        return started, time.time()
    finally:
        await producer.stop()


@dataclass
class Run:
    replicas: int
    encounters: int
    partitions: int
    produce_seconds: float = 0.0
    created_per_s: float = 0.0
    middle_per_s: float = 0.0
    all_created_s: float = 0.0
    all_submitted_s: float = 0.0
    max_lag: int = 0
    claims_per_encounter: dict[int, int] = field(default_factory=dict)
    encounters_with_claims: int = 0
    submitted_per_claim: dict[int, int] = field(default_factory=dict)
    submitted_for_unknown_claims: int = 0
    inbox_rows: int = 0
    group_members: int = 0
    handled_by_replica: dict[str, dict[int, int]] = field(default_factory=dict)
    redeliveries_absorbed: int = 0
    timed_out: str = ""

    @property
    def duplicates(self) -> int:
        return sum((count - 1) * n for count, n in self.claims_per_encounter.items() if count > 1) + \
            sum((count - 1) * n for count, n in self.submitted_per_claim.items() if count > 1)

    @property
    def exactly_once(self) -> bool:
        total = self.encounters + WARM_UP_PER_PARTITION * self.partitions
        return (self.claims_per_encounter == {1: total} and self.encounters_with_claims == total
                and self.submitted_per_claim == {1: total} and self.submitted_for_unknown_claims == 0
                and self.inbox_rows == total)

    def partitions_overlap(self) -> list[int]:
        seen: Counter[int] = Counter()
        for partitions in self.handled_by_replica.values():
            seen.update(partitions.keys())
        return sorted(p for p, n in seen.items() if n > 1)


async def _wait_for_group(reader: LagReader, members: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        description = await reader.describe(GROUP)
        if description.state == "Stable" and len(description.members) == members:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"consumer group {GROUP} not stable with {members} members after {timeout}s")


async def _count(connection: asyncpg.Connection) -> tuple[int, int]:
    claims = await connection.fetchval("SELECT count(*) FROM claims WHERE tenant_id = $1", TENANT)
    submitted = await connection.fetchval("SELECT count(*) FROM outbox_events WHERE topic = $1", ClaimSubmitted.topic())
    return claims, submitted


async def measure(args: argparse.Namespace, run: Run, bootstrap: str, database_url: str) -> None:
    today = date.today()
    warm_up = [coded_encounter(n, service_date=today - timedelta(days=3))
               for n in range(WARM_UP_PER_PARTITION * run.partitions)]
    timed = [coded_encounter(100_000 + n, service_date=today - timedelta(days=3)) for n in range(run.encounters)]
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    async with LagReader(bootstrap) as reader:
        try:
            await _wait_for_group(reader, run.replicas, timeout=60)
            run.group_members = len((await reader.describe(GROUP)).members)
            await _produce(bootstrap, warm_up)
            await _until(connection, len(warm_up), what="warm-up claims", timeout=120)

            started, acked = await _produce(bootstrap, timed)
            run.produce_seconds = acked - started
            total = len(warm_up) + len(timed)
            deadline = time.monotonic() + args.timeout
            created_at = submitted_at = None
            while time.monotonic() < deadline:
                lag = (await reader.group_lag(GROUP, [TOPIC])).total
                run.max_lag = max(run.max_lag, lag)
                claims, submitted = await _count(connection)
                if claims >= total and created_at is None:
                    created_at = time.time()
                if submitted >= total:
                    submitted_at = time.time()
                    break
                await asyncio.sleep(0.5)
            else:
                run.timed_out = f"after {args.timeout}s: {claims} of {total} claims, {submitted} submitted"
            stamps = sorted(_epoch(r["created_at"]) for r in await connection.fetch(
                "SELECT created_at FROM claims WHERE tenant_id = $1 AND encounter_id = ANY($2::uuid[])",
                TENANT, [e.payload["encounter_id"] for e in timed]))
            if stamps:
                run.created_per_s = len(stamps) / max(stamps[-1] - started, 1e-9)
                low, high = stamps[len(stamps) // 10], stamps[(len(stamps) * 9) // 10 - 1]
                run.middle_per_s = (len(stamps) * 8 // 10 - 1) / max(high - low, 1e-9)
                run.all_created_s = stamps[-1] - started
            if submitted_at is not None:
                run.all_submitted_s = submitted_at - started
            await _check_exactly_once(connection, run, warm_up + timed)
        finally:
            await connection.close()


async def _until(connection: asyncpg.Connection, claims: int, *, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (await _count(connection))[0] < claims:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: fewer than {claims} claims after {timeout}s")
        await asyncio.sleep(0.2)


async def _check_exactly_once(connection: asyncpg.Connection, run: Run, envelopes: list[EventEnvelope]) -> None:
    encounter_ids = [e.payload["encounter_id"] for e in envelopes]
    rows = await connection.fetch(
        "SELECT encounter_id, count(*) AS n, array_agg(id) AS ids FROM claims WHERE tenant_id = $1 GROUP BY encounter_id",
        TENANT)
    per_encounter = {str(r["encounter_id"]): r["n"] for r in rows}
    run.claims_per_encounter = dict(Counter(per_encounter.get(e, 0) for e in encounter_ids))
    run.encounters_with_claims = sum(1 for e in encounter_ids if per_encounter.get(e))
    claim_ids = {str(claim_id) for r in rows for claim_id in r["ids"]}
    submitted: Counter[str] = Counter()
    for row in await connection.fetch("SELECT envelope FROM outbox_events WHERE topic = $1", ClaimSubmitted.topic()):
        submitted[json.loads(row["envelope"])["payload"]["claim_id"]] += 1
    run.submitted_per_claim = dict(Counter(submitted.get(c, 0) for c in claim_ids))
    run.submitted_for_unknown_claims = sum(n for c, n in submitted.items() if c not in claim_ids)
    run.inbox_rows = await connection.fetchval(
        "SELECT count(*) FROM inbox_events WHERE consumer = $1 AND topic = $2", GROUP, TOPIC)


def _read_handled(run: Run, logs: dict[str, Path]) -> None:
    """Which partitions each replica handled, from its "event handled" log lines (INFO)."""
    for replica, path in logs.items():
        partitions: dict[int, int] = defaultdict(int)
        for line in path.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("event_type") != EncounterCoded.event_type:
                continue
            if entry.get("msg") == "event handled":
                partitions[int(entry["partition"])] += 1
            elif entry.get("msg") == "event already handled":
                run.redeliveries_absorbed += 1
        run.handled_by_replica[replica] = dict(sorted(partitions.items()))


def run_once(args: argparse.Namespace, replicas: int, workdir: Path) -> Run:
    run = Run(replicas=replicas, encounters=args.encounters, partitions=args.partitions)
    run_dir = workdir / f"{replicas}-replicas"
    run_dir.mkdir(parents=True)
    broker = LocalBroker(log_path=run_dir / "broker.log").start()
    database_url = create_database("openrcm_bench_scale")
    env = {
        "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "AUTH_JWT_SECRET": TEST_JWT_SECRET, "LOG_LEVEL": "INFO",  # "event handled" lines name the partition
        "KAFKA_TOPIC_PARTITIONS": str(args.partitions), "KAFKA_SESSION_TIMEOUT_MS": "6000",
        "BATCH_INTERVAL_SECONDS": str(args.batch_interval),
        "CLEARINGHOUSES": json.dumps({"local-drop": {"adapter": "file_drop", "directory": str(run_dir / "clearinghouse")}}),
    }
    processes = [ServiceProcess(name="claims-svc", env=env, log_path=run_dir / f"claims-svc-{n + 1}.log")
                 for n in range(replicas)]
    try:
        asyncio.run(_create_topic(broker.bootstrap_servers, args.partitions))
        # One at a time: the first applies the migrations before the others start.
        for process in processes:
            process.start()
            process.wait_live()
        admin = {"Authorization": f"Bearer {token_for('practice_admin', tenants=(TENANT,))}"}
        with httpx.Client(base_url=processes[0].base_url, headers=admin, timeout=30) as claims_api:
            samples.post_billing_reference(claims_api)
        asyncio.run(measure(args, run, broker.bootstrap_servers, database_url))
    finally:
        for process in processes:
            process.stop()
        broker.stop()
        drop_database(database_url)
    _read_handled(run, {p.log_path.stem: p.log_path for p in processes if p.log_path})
    return run


def report(runs: list[Run]) -> None:
    base = runs[0].created_per_s or 1
    print(f"claims-svc scale-out on PostgreSQL and tansu, {os.cpu_count()} cores shared with PostgreSQL, the broker "
          f"and the load generator")
    print()
    print("| replicas | partitions | EncounterCoded | claims created/s (all) | middle 80% /s | vs 1 replica "
          "| all created s | all submitted s | max lag | duplicates | exactly once |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r.replicas} | {r.partitions} | {r.encounters:,} | {r.created_per_s:,.0f} | {r.middle_per_s:,.0f} "
              f"| {r.created_per_s / base:.2f}x | {r.all_created_s:.1f} | {r.all_submitted_s:.1f} | {r.max_lag:,} "
              f"| {r.duplicates} | {'yes' if r.exactly_once else 'NO'} |")
    print()
    for r in runs:
        shares = "; ".join(f"{name}: partitions {sorted(p)} ({sum(p.values()):,} events)"
                           for name, p in r.handled_by_replica.items())
        overlap = r.partitions_overlap()
        print(f"- {r.replicas} replica(s), {r.group_members} group member(s): {shares}; partitions handled by more "
              f"than one replica: {overlap or 'none'}; redeliveries absorbed by the inbox: {r.redeliveries_absorbed}"
              + (f"; TIMED OUT {r.timed_out}" if r.timed_out else ""))
    print()
    print(json.dumps([{**{k: v for k, v in vars(r).items() if k not in ("claims_per_encounter", "submitted_per_claim",
                                                                         "handled_by_replica")},
                       "claims_per_encounter": {str(k): v for k, v in r.claims_per_encounter.items()},
                       "claim_submitted_per_claim": {str(k): v for k, v in r.submitted_per_claim.items()},
                       "handled_by_replica": {n: {str(p): c for p, c in h.items()} for n, h in r.handled_by_replica.items()},
                       "duplicates": r.duplicates, "exactly_once": r.exactly_once} for r in runs], indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encounters", type=int, default=2000, help="EncounterCoded events per run (after the warm-up)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--partitions", type=int, default=6, help="partitions of coding.encounter-coded.v1 (>= 2)")
    parser.add_argument("--batch-interval", type=float, default=1.0, help="claims-svc BATCH_INTERVAL_SECONDS")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for every claim to be submitted")
    parser.add_argument("--keep", type=Path, help="keep logs and clearinghouse files here instead of a temp dir")
    args = parser.parse_args()
    if args.partitions < max(args.replicas):
        parser.error("--partitions must be at least the largest --replicas, or a replica sits idle")
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="openrcm-scale-out-"))
    runs = []
    try:
        for replicas in args.replicas:
            runs.append(run_once(args, replicas, workdir))
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report(runs)


if __name__ == "__main__":
    main()
