"""Outbox relay and inbox consumer against real PostgreSQL and the real broker."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from openrcm_shared.bus import EventConsumer, KafkaConfig, OutboxRelay, dlq_topic, ensure_topics
from openrcm_devtools.samples import claim_submitted_event as claim_event
from openrcm_shared.contracts import ClaimSubmitted, EventEnvelope
from openrcm_shared.db import (
    UnitOfWork, UnitOfWorkFactory, audit_log, create_engine, outbox_events, platform_metadata,
)

effects_metadata = MetaData()
effects = Table(
    "test_effects", effects_metadata,
    Column("event_id", Uuid, primary_key=True), Column("tenant_id", String(64), nullable=False),
)


@pytest.fixture
async def database(postgres_url):
    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(platform_metadata.create_all)
        await connection.run_sync(effects_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def kafka(broker) -> KafkaConfig:
    return KafkaConfig(bootstrap_servers=broker.bootstrap_servers, partitions=3, session_timeout_ms=2000)


async def record_effect(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    await uow.session.execute(insert(effects).values(event_id=envelope.event_id, tenant_id=envelope.tenant_id))
    await uow.commit()


async def _count(engine, table, *where) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table).where(*where)))


async def _eventually(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def _read_topic(kafka: KafkaConfig, topic: str, expected: int, timeout: float = 20.0) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka.bootstrap_servers, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    records: list = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
        await asyncio.sleep(0.5)  # anything extra (a duplicate) would arrive now
        for batch in (await consumer.getmany(timeout_ms=300)).values():
            records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def test_unit_of_work_writes_nothing_without_commit(database):
    factory = UnitOfWorkFactory(async_sessionmaker(database, expire_on_commit=False))
    async with factory() as uow:
        uow.emit(EventEnvelope.wrap(claim_event(), tenant_id="t1", producer="test"))
        await uow.session.execute(insert(effects).values(event_id=uuid.uuid4(), tenant_id="t1"))
    assert await _count(database, outbox_events) == 0
    assert await _count(database, effects) == 0


async def test_flushed_events_are_written_early_but_still_commit_or_roll_back_with_the_unit_of_work(database):
    woken: list[int] = []
    factory = UnitOfWorkFactory(async_sessionmaker(database, expire_on_commit=False))
    factory.on_commit(lambda: woken.append(1))
    async with factory() as uow:
        uow.emit(EventEnvelope.wrap(claim_event(), tenant_id="t1", producer="test"))
        await uow.flush()
        # rolled back: the flushed row goes with the transaction
    assert await _count(database, outbox_events) == 0 and woken == []
    async with factory() as uow:
        uow.emit(EventEnvelope.wrap(claim_event(), tenant_id="t1", producer="test"))
        await uow.flush()
        uow.emit(EventEnvelope.wrap(claim_event(), tenant_id="t1", producer="test"))
        await uow.commit()
    assert await _count(database, outbox_events) == 2 and woken == [1]  # the relay is woken for flushed events too


@pytest.mark.parametrize("rows", [1, 3])  # 1: one statement with the event and audit entry; 3: one per table
async def test_rows_queued_for_the_commit_are_written_by_it_or_not_at_all(any_database, rows):
    async with any_database.begin() as connection:
        await connection.run_sync(effects_metadata.create_all)
    factory = UnitOfWorkFactory(async_sessionmaker(any_database, expire_on_commit=False))
    ids = [uuid.uuid4() for _ in range(rows)]

    async def stage(uow: UnitOfWork) -> None:
        for event_id in ids:
            uow.write_at_commit(effects, {"event_id": event_id, "tenant_id": "t1"})
        uow.emit(EventEnvelope.wrap(claim_event(), tenant_id="t1", producer="test"))
        uow.audit(tenant_id="t1", actor="clerk", action="create", entity_type="effect", entity_id=ids[0])

    async with factory() as uow:
        await stage(uow)
        # no commit: nothing written
    assert await _count(any_database, effects) == 0
    async with factory() as uow:
        await stage(uow)
        await uow.flush()
        # a read in the transaction after flush() sees the rows
        assert int(await uow.session.scalar(select(func.count()).select_from(effects))) == rows
        await uow.commit()
    async with any_database.connect() as connection:
        assert set((await connection.execute(select(effects.c.event_id))).scalars()) == set(ids)
    assert await _count(any_database, outbox_events) == 1 and await _count(any_database, audit_log) == 1


async def test_a_queued_row_breaking_a_constraint_fails_the_commit_and_nothing_is_written(any_database):
    async with any_database.begin() as connection:
        await connection.run_sync(effects_metadata.create_all)
    factory = UnitOfWorkFactory(async_sessionmaker(any_database, expire_on_commit=False))
    taken = uuid.uuid4()
    async with factory() as uow:
        uow.write_at_commit(effects, {"event_id": taken, "tenant_id": "t1"})
        await uow.commit()
    async with factory() as uow:
        uow.emit(EventEnvelope.wrap(claim_event(), tenant_id="t1", producer="test"))
        uow.write_at_commit(effects, {"event_id": taken, "tenant_id": "t1"})
        with pytest.raises(IntegrityError):
            await uow.commit()
    assert await _count(any_database, effects) == 1 and await _count(any_database, outbox_events) == 0


@pytest.mark.parametrize("events, entries", [(1, 1), (0, 1), (2, 3)])  # (1, 1): one statement; (2, 3): one per table
async def test_events_and_audit_entries_are_written_with_their_values_or_not_at_all(database, events, entries):
    factory = UnitOfWorkFactory(async_sessionmaker(database, expire_on_commit=False))
    envelopes = [EventEnvelope.wrap(claim_event(), tenant_id="t1", producer="test") for _ in range(events)]

    async def stage(uow: UnitOfWork) -> None:
        for envelope in envelopes:
            uow.emit(envelope)
        for n in range(entries):
            uow.audit(tenant_id="t1", actor="clerk", action="create", entity_type="claim", entity_id=n,
                      details={"n": n, "codes": ["E11.9"]})

    async with factory() as uow:
        await stage(uow)
        await uow.flush()
        # not committed: rolled back with the transaction
    assert await _count(database, outbox_events) == 0 and await _count(database, audit_log) == 0
    async with factory() as uow:
        await stage(uow)
        await uow.commit()
    async with database.connect() as connection:
        stored = (await connection.execute(select(outbox_events.c.event_id, outbox_events.c.envelope))).all()
        audits = (await connection.execute(select(audit_log.c.entity_id, audit_log.c.details, audit_log.c.at))).all()
    assert {row.event_id for row in stored} == {e.event_id for e in envelopes}
    assert all(EventEnvelope.model_validate_json(row.envelope).event_id == row.event_id for row in stored)
    assert sorted((row.entity_id, row.details["n"], row.details["codes"]) for row in audits) == sorted(
        (str(n), n, ["E11.9"]) for n in range(entries)
    )
    assert all(row.at.tzinfo is not None for row in audits)


async def test_events_of_one_unit_of_work_keep_their_order_in_the_outbox(database):
    factory = UnitOfWorkFactory(async_sessionmaker(database, expire_on_commit=False))
    for _ in range(3):  # a state change with several events, each with its audit entry
        async with factory() as uow:
            envelopes = [EventEnvelope.wrap(claim_event(), tenant_id="t1", producer="test") for _ in range(4)]
            for n, envelope in enumerate(envelopes):
                uow.emit(envelope)
                uow.audit(tenant_id="t1", actor="clerk", action="create", entity_type="claim", entity_id=n)
            await uow.commit()
    async with database.connect() as connection:
        stored = (await connection.execute(select(outbox_events.c.event_id).order_by(outbox_events.c.id))).scalars().all()
    assert stored[-4:] == [e.event_id for e in envelopes]  # the relay publishes in id order


async def test_two_relays_publish_every_event_exactly_once(database, kafka):
    topic = ClaimSubmitted.topic()
    tenant = f"relay-{uuid.uuid4().hex[:6]}"
    factory = UnitOfWorkFactory(async_sessionmaker(database, expire_on_commit=False))
    ids = set()
    for _ in range(300):
        async with factory() as uow:
            envelope = EventEnvelope.wrap(claim_event(), tenant_id=tenant, producer="test")
            ids.add(str(envelope.event_id))
            uow.emit(envelope)
            await uow.commit()
    relays = [
        OutboxRelay(session_factory=factory.session_factory, kafka=kafka, client_id=f"relay-{n}", topics=[topic],
                    batch_size=25, poll_interval=0.1)
        for n in range(2)
    ]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        await _eventually(lambda: _pending_is_zero(relays[0]))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for relay in relays:
            await relay.stop()
    assert sum(r.published_total for r in relays) == 300
    assert all(r.published_total > 0 for r in relays), "both replicas should have taken batches"
    records = await _read_topic(kafka, topic, expected=10_000, timeout=3)
    mine = [r for r in records if tenant.encode() in r.key]
    seen = [EventEnvelope.model_validate_json(r.value).event_id for r in mine]
    assert len(seen) == 300 and {str(s) for s in seen} == ids


async def test_relay_coalesces_wakeups_until_a_batch_is_full(any_database, kafka):
    topic = ClaimSubmitted.topic()
    tenant = f"coalesce-{uuid.uuid4().hex[:6]}"
    factory = UnitOfWorkFactory(async_sessionmaker(any_database, expire_on_commit=False))
    # A wait after a wake-up far longer than the test: only a batch's worth of wake-ups ends it.
    relay = OutboxRelay(session_factory=factory.session_factory, kafka=kafka, client_id="coalescing", topics=[topic],
                        batch_size=3, poll_interval=3600, coalesce_seconds=3600)
    factory.on_commit(relay.wake)
    task = asyncio.create_task(relay.run())

    async def commit_event() -> None:
        async with factory() as uow:
            uow.emit(EventEnvelope.wrap(claim_event(), tenant_id=tenant, producer="test"))
            await uow.commit()

    async def published_count() -> int:
        return await _count(any_database, outbox_events, outbox_events.c.published_at.is_not(None))

    try:
        await _eventually(lambda: _is_true(relay.connected))
        await commit_event()
        await commit_event()
        await asyncio.sleep(0.5)
        assert await published_count() == 0, "two wake-ups of a batch of three wait for more"
        await commit_event()
        await _eventually(lambda: _pending_is_zero(relay))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await relay.stop()
    assert relay.published_total == 3
    async with any_database.connect() as connection:
        batches = (await connection.execute(select(outbox_events.c.published_at, outbox_events.c.leased_by).distinct())).all()
    assert len(batches) == 1, "the three events went out in one leased batch"


async def _is_true(value: bool) -> bool:
    return value


async def _pending_is_zero(relay: OutboxRelay) -> bool:
    return await relay.pending_count() == 0


async def test_redelivered_event_changes_nothing_and_poison_goes_to_dlq(database, kafka):
    topic = ClaimSubmitted.topic()
    group = f"test-consumer-{uuid.uuid4().hex[:6]}"
    await ensure_topics(kafka, [topic, dlq_topic(topic)])
    factory = UnitOfWorkFactory(async_sessionmaker(database, expire_on_commit=False))
    consumer = EventConsumer(group_id=group, kafka=kafka, uow_factory=factory, handlers={ClaimSubmitted: record_effect},
                             max_retries=1, retry_backoff_seconds=0.01)
    good = EventEnvelope.wrap(claim_event(), tenant_id="t-dup", producer="test")
    after_poison = EventEnvelope.wrap(claim_event(), tenant_id="t-dup", producer="test")
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    key = b"t-dup:same-partition"
    try:
        await producer.send_and_wait(topic, good.model_dump_json().encode(), key=key)
        await producer.send_and_wait(topic, good.model_dump_json().encode(), key=key)  # redelivery
        await producer.send_and_wait(topic, b'{"not": "an envelope"}', key=key)  # poison
        await producer.send_and_wait(topic, after_poison.model_dump_json().encode(), key=key)
    finally:
        await producer.stop()

    task = asyncio.create_task(consumer.run())
    try:
        async def done() -> bool:
            return await _count(database, effects, effects.c.tenant_id == "t-dup") >= 2 and consumer.dead_lettered_total >= 1
        await _eventually(done)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()

    async with database.connect() as connection:
        handled = set((await connection.execute(select(effects.c.event_id).where(effects.c.tenant_id == "t-dup"))).scalars())
    assert handled == {good.event_id, after_poison.event_id}  # the duplicate did nothing

    dead = [r for r in await _read_topic(kafka, dlq_topic(topic), expected=1) if r.key == key]
    assert len(dead) == 1
    headers = dict(dead[0].headers)
    assert headers["dlq.origin.topic"] == topic.encode()
    assert headers["dlq.consumer.group"] == group.encode()
    assert b"event_id" in headers["dlq.error.message"]  # names the missing fields
    assert dead[0].value == b'{"not": "an envelope"}'


async def test_handler_that_keeps_failing_is_retried_then_dead_lettered(database, kafka):
    topic = ClaimSubmitted.topic()
    await ensure_topics(kafka, [topic, dlq_topic(topic)])
    factory = UnitOfWorkFactory(async_sessionmaker(database, expire_on_commit=False))
    attempts: list[uuid.UUID] = []

    async def flaky(uow: UnitOfWork, envelope: EventEnvelope) -> None:
        attempts.append(envelope.event_id)
        if envelope.tenant_id == "t-bad":
            await uow.session.execute(insert(effects).values(event_id=envelope.event_id, tenant_id="partial"))
            raise RuntimeError("downstream rule failed")
        await record_effect(uow, envelope)

    consumer = EventConsumer(group_id=f"test-flaky-{uuid.uuid4().hex[:6]}", kafka=kafka, uow_factory=factory,
                             handlers={ClaimSubmitted: flaky}, max_retries=2, retry_backoff_seconds=0.01)
    bad = EventEnvelope.wrap(claim_event(), tenant_id="t-bad", producer="test")
    fine = EventEnvelope.wrap(claim_event(), tenant_id="t-ok", producer="test")
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
    await producer.start()
    key = f"flaky:{uuid.uuid4()}".encode()
    try:
        await producer.send_and_wait(topic, bad.model_dump_json().encode(), key=key)
        await producer.send_and_wait(topic, fine.model_dump_json().encode(), key=key)
    finally:
        await producer.stop()
    task = asyncio.create_task(consumer.run())
    try:
        async def fine_handled() -> bool:
            return fine.event_id in attempts and await _count(database, effects, effects.c.event_id == fine.event_id) == 1
        await _eventually(fine_handled)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()
    assert attempts.count(bad.event_id) == 3  # first try + 2 retries
    async with database.connect() as connection:
        tenants = set((await connection.execute(select(effects.c.tenant_id))).scalars())
    assert "partial" not in tenants  # every failed attempt rolled back
    dead = [r for r in await _read_topic(kafka, dlq_topic(topic), expected=10_000, timeout=3) if r.key == key]
    assert len(dead) == 1 and dict(dead[0].headers)["dlq.error.type"] == b"RuntimeError"
