"""The consumer handles a poll's events of one partition together: one transaction, a savepoint per event.

Records are handed to ``process_many`` as one poll would return them, against real PostgreSQL; the
dead-letter producer talks to the real broker.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, insert, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from openrcm_devtools.samples import claim_submitted_event as claim_event
from openrcm_shared.bus import EventConsumer, KafkaConfig, dlq_topic, ensure_topics
from openrcm_shared.bus.kafka import make_producer
from openrcm_shared.contracts import ClaimSubmitted, EventEnvelope
from openrcm_shared.db import UnitOfWork, UnitOfWorkFactory, create_engine, inbox_events, outbox_events, platform_metadata
from openrcm_shared.observability import JsonFormatter

TOPIC = ClaimSubmitted.topic()
metadata = MetaData()
effects = Table(
    "batch_effects", metadata,
    Column("event_id", Uuid, primary_key=True), Column("tenant_id", String(64), nullable=False),
    Column("transaction_id", String(32), nullable=False),
)


@pytest.fixture
async def factory(postgres_url) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(platform_metadata.create_all)
        await connection.run_sync(metadata.create_all)
        # Checked at COMMIT only: a batch whose commit fails.
        await connection.execute(text(
            "CREATE TABLE batch_claimed_keys (key TEXT, UNIQUE (key) DEFERRABLE INITIALLY DEFERRED)"))
    yield UnitOfWorkFactory(async_sessionmaker(engine, expire_on_commit=False))
    await engine.dispose()


@pytest.fixture
def kafka(broker) -> KafkaConfig:
    return KafkaConfig(bootstrap_servers=broker.bootstrap_servers, partitions=3, session_timeout_ms=2000)


async def record_effect(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    """Tenant "t-emit" also emits an event; "t-no-commit" writes and leaves without commit;
    "t-bad" writes and fails; "t-key-*" claims a key that is checked at commit."""
    transaction_id = str(await uow.session.scalar(text("SELECT txid_current()")))
    await uow.session.execute(insert(effects).values(event_id=envelope.event_id, tenant_id=envelope.tenant_id,
                                                     transaction_id=transaction_id))
    if envelope.tenant_id == "t-no-commit":
        return
    if envelope.tenant_id == "t-bad":
        raise RuntimeError("downstream rule failed")
    if envelope.tenant_id.startswith("t-key-"):
        await uow.session.execute(text("INSERT INTO batch_claimed_keys VALUES ('taken')"))
    if envelope.tenant_id == "t-emit":
        uow.emit(EventEnvelope.wrap(claim_event(), tenant_id="t-emit", producer="test"))
    await uow.commit()


def _records(envelopes: list[EventEnvelope]) -> list[ConsumerRecord]:
    values = [envelope.model_dump_json().encode() for envelope in envelopes]
    return [ConsumerRecord(TOPIC, 0, offset, 0, 0, b"k", value, None, 1, len(value), ())
            for offset, value in enumerate(values, start=40)]


def _wrap(tenant: str) -> EventEnvelope:
    return EventEnvelope.wrap(claim_event(), tenant_id=tenant, producer="test")


async def _rows(factory: UnitOfWorkFactory, query):  # type: ignore[no-untyped-def]
    async with factory.session_factory() as session:
        return (await session.execute(query)).all()


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


async def test_events_of_a_poll_share_one_transaction_and_keep_each_its_own_outcome(factory, kafka):
    logged = _Lines()
    consumer_log = logging.getLogger("openrcm_shared.bus.consumer")
    consumer_log.addHandler(logged)
    consumer_log.setLevel(logging.INFO)
    woken: list[int] = []
    factory.on_commit(lambda: woken.append(1))
    consumer = EventConsumer(group_id=f"batch-{uuid.uuid4().hex[:6]}", kafka=kafka, uow_factory=factory,
                             handlers={ClaimSubmitted: record_effect})
    first, no_commit, emitting, last = _wrap("t-ok"), _wrap("t-no-commit"), _wrap("t-emit"), _wrap("t-ok")
    records = _records([first, no_commit, first, emitting, last])  # the third: a redelivery within the poll

    try:
        assert await consumer.process_many(records) == records[-1].offset
    finally:
        consumer_log.removeHandler(logged)

    stored = await _rows(factory, select(effects.c.event_id, effects.c.transaction_id))
    assert {row.event_id for row in stored} == {first.event_id, emitting.event_id, last.event_id}
    assert len({row.transaction_id for row in stored}) == 1, "one transaction for the poll's events"
    inbox = await _rows(factory, select(inbox_events.c.event_id))
    assert sorted(str(row.event_id) for row in inbox) == sorted(
        str(e.event_id) for e in (first, no_commit, emitting, last))  # left without commit: only its inbox row
    assert len(await _rows(factory, select(outbox_events.c.event_id))) == 1
    assert woken == [1], "the relay is woken once the events are committed"
    assert consumer.handled_total == 5
    handled = [(line["msg"], line["event_id"], line.get("correlation_id"), line["offset"]) for line in logged.lines
               if line["msg"] in ("event handled", "event already handled")]
    assert handled == [("event handled" if n != 2 else "event already handled", str(e.event_id), e.correlation_id,
                        records[n].offset) for n, e in enumerate([first, no_commit, first, emitting, last])]


async def test_a_failing_event_is_retried_and_dead_lettered_alone_and_the_others_keep_their_effects(factory, kafka):
    await ensure_topics(kafka, [TOPIC, dlq_topic(TOPIC)])
    attempts: list[str] = []

    async def counting(uow: UnitOfWork, envelope: EventEnvelope) -> None:
        attempts.append(envelope.tenant_id)
        await record_effect(uow, envelope)

    consumer = EventConsumer(group_id=f"batch-{uuid.uuid4().hex[:6]}", kafka=kafka, uow_factory=factory,
                             handlers={ClaimSubmitted: counting}, max_retries=2, retry_backoff_seconds=0.01)
    before, bad, after = _wrap("t-before"), _wrap("t-bad"), _wrap("t-after")
    records = _records([before, bad, after])
    consumer._dlq_producer = make_producer(kafka, "batch-test-dlq")
    await consumer._dlq_producer.start()
    try:
        assert await consumer.process_many(records) == records[-1].offset
    finally:
        await consumer.stop()

    assert attempts == ["t-before", "t-bad", "t-bad", "t-bad", "t-after"]  # in order; 1 try + 2 retries
    stored = await _rows(factory, select(effects.c.tenant_id))
    assert sorted(row.tenant_id for row in stored) == ["t-after", "t-before"]  # the failed attempts left nothing
    inbox = await _rows(factory, select(inbox_events.c.event_id))
    assert {row.event_id for row in inbox} == {before.event_id, after.event_id}
    assert consumer.dead_lettered_total == 1
    dead = await _dead_letters(kafka, bad.event_id)
    assert len(dead) == 1 and dict(dead[0].headers)["dlq.error.type"] == b"RuntimeError"
    assert dict(dead[0].headers)["dlq.origin.offset"] == str(records[1].offset).encode()


async def test_a_batch_whose_commit_fails_keeps_nothing_and_its_events_are_handled_again(factory, kafka):
    await ensure_topics(kafka, [TOPIC, dlq_topic(TOPIC)])
    consumer = EventConsumer(group_id=f"batch-{uuid.uuid4().hex[:6]}", kafka=kafka, uow_factory=factory,
                             handlers={ClaimSubmitted: record_effect}, max_retries=1, retry_backoff_seconds=0.01)
    # The first two both claim the key: together they cannot commit; alone, the first can and the second never.
    winner, loser, plain = _wrap("t-key-1"), _wrap("t-key-2"), _wrap("t-ok")
    records = _records([winner, loser, plain])
    consumer._dlq_producer = make_producer(kafka, "batch-test-dlq")
    await consumer._dlq_producer.start()
    try:
        assert await consumer.process_many(records) == records[-1].offset
    finally:
        await consumer.stop()

    stored = await _rows(factory, select(effects.c.event_id))
    assert {row.event_id for row in stored} == {winner.event_id, plain.event_id}
    assert len(await _rows(factory, select(text("key")).select_from(text("batch_claimed_keys")))) == 1
    inbox = await _rows(factory, select(inbox_events.c.event_id))
    assert {row.event_id for row in inbox} == {winner.event_id, plain.event_id}
    assert consumer.dead_lettered_total == 1
    assert len(await _dead_letters(kafka, loser.event_id)) == 1


async def test_a_poll_stops_where_the_partition_was_taken_away(factory, kafka):
    consumer = EventConsumer(group_id=f"batch-{uuid.uuid4().hex[:6]}", kafka=kafka, uow_factory=factory,
                             handlers={ClaimSubmitted: record_effect})
    assert await consumer.process_many(_records([_wrap("t-ok"), _wrap("t-ok")]), still_assigned=lambda: False) is None
    assert await _rows(factory, select(func.count()).select_from(effects)) == [(0,)]


async def _dead_letters(kafka: KafkaConfig, event_id: uuid.UUID) -> list[ConsumerRecord]:
    reader = AIOKafkaConsumer(dlq_topic(TOPIC), bootstrap_servers=kafka.bootstrap_servers,
                              auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
    await reader.start()
    found: list[ConsumerRecord] = []
    try:
        for _ in range(10):
            for batch in (await reader.getmany(timeout_ms=300)).values():
                found += [r for r in batch if r.value and str(event_id).encode() in r.value]
            if found:
                break
    finally:
        await reader.stop()
    return found
