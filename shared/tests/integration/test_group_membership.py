"""A stopped consumer leaves its group at once, whatever its generation, against the real broker.

Without that a member stopped mid-join, or the first member of a new group (tansu counts generations from
0, and aiokafka leaves only above 0), stays in the group until the broker drops it, and the next member's
join waits for it or shares partitions with it: the test run's consumers stalled for 20 s and more.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from openrcm_devtools.samples import claim_submitted_event as claim_event
from openrcm_shared.bus import EventConsumer, KafkaConfig, ensure_topics
from openrcm_shared.bus.kafka import make_producer, stop_group_consumer
from openrcm_shared.contracts import ClaimSubmitted, EventEnvelope
from openrcm_shared.db import UnitOfWork, UnitOfWorkFactory, create_engine, platform_metadata
from openrcm_shared.runtime import cancel_and_wait

TOPIC = ClaimSubmitted.topic()
WAIT_SECONDS = 20


@pytest.fixture
def kafka(broker) -> KafkaConfig:
    return KafkaConfig(bootstrap_servers=broker.bootstrap_servers, partitions=3, session_timeout_ms=2000)


@pytest.fixture
async def admin(kafka) -> AsyncIterator[AIOKafkaAdminClient]:
    await ensure_topics(kafka, [TOPIC])
    client = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await client.start()
    yield client
    await client.close()


def new_group() -> str:
    return f"test-membership-{uuid.uuid4().hex[:8]}"


def group_consumer(kafka: KafkaConfig, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(TOPIC, bootstrap_servers=kafka.bootstrap_servers, group_id=group,
                            enable_auto_commit=False, session_timeout_ms=kafka.session_timeout_ms,
                            heartbeat_interval_ms=kafka.session_timeout_ms // 3)


async def members(admin: AIOKafkaAdminClient, group: str) -> set[str]:
    [response] = await admin.describe_consumer_groups([group])
    [(error_code, _group, _state, _protocol_type, _protocol, group_members)] = response.groups
    assert error_code == 0
    return {member[0] for member in group_members}


async def until(predicate, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.01)


async def test_the_first_member_of_a_new_group_leaves_when_stopped(kafka, admin):
    group = new_group()
    consumer = group_consumer(kafka, group)
    await consumer.start()  # returns once the group has assigned partitions
    assert await members(admin, group) == {consumer._coordinator.member_id}

    await stop_group_consumer(consumer)

    assert await members(admin, group) == set()


@pytest.fixture
async def factory(postgres_url) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(postgres_url)
    async with engine.begin() as connection:
        await connection.run_sync(platform_metadata.create_all)
    yield UnitOfWorkFactory(async_sessionmaker(engine, expire_on_commit=False))
    await engine.dispose()


async def test_the_event_consumer_leaves_its_group_when_stopped(kafka, admin, factory):
    handled: list[EventEnvelope] = []

    async def record(uow: UnitOfWork, envelope: EventEnvelope) -> None:
        handled.append(envelope)
        await uow.commit()

    group = new_group()
    consumer = EventConsumer(group_id=group, kafka=kafka, uow_factory=factory, handlers={ClaimSubmitted: record})
    task = asyncio.create_task(consumer.run())
    producer = make_producer(kafka, "test-membership")
    await producer.start()
    try:
        envelope = EventEnvelope.wrap(claim_event(), tenant_id="t-membership", producer="test")
        await producer.send_and_wait(TOPIC, key=envelope.message_key.encode(), value=envelope.model_dump_json().encode())
        await until(lambda: envelope.event_id in {e.event_id for e in handled}, "the event was not handled")
        assert len(await members(admin, group)) == 1
    finally:
        await producer.stop()
        await cancel_and_wait([task])
        await consumer.stop()

    assert await members(admin, group) == set()


async def test_an_event_consumer_shut_down_while_it_joins_leaves_its_group(kafka, admin, factory):
    """A service stopped within a second of starting (tests do it all the time): the consumer is still in
    its first join. The shutdown cancels the consumer's task, cancels again after a second if it still
    runs, then stops the consumer: its LeaveGroup must not be in that task, or the second cancel cuts it."""
    group = new_group()
    # A member left behind by aiokafka's own stop (generation 0 on tansu) makes the join last seconds: it is
    # elected leader and never hands out the assignment, so the SyncGroup waits for the rebalance timeout.
    stale = group_consumer(kafka, group)
    await stale.start()
    [stale_member] = await members(admin, group)
    await stale.stop()
    consumer = EventConsumer(group_id=group, kafka=kafka, uow_factory=factory, handlers={ClaimSubmitted: noop})
    task = asyncio.create_task(consumer.run())
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while await members(admin, group) == {stale_member}:  # until the broker has taken our JoinGroup
        assert asyncio.get_running_loop().time() < deadline, "the consumer did not ask to join"
        await asyncio.sleep(0.01)

    await cancel_and_wait([task])
    await consumer.stop()

    assert await members(admin, group) - {stale_member} == set()


async def noop(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    await uow.commit()
