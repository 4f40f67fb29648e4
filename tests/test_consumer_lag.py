"""Consumer-group lag read from a real broker (tansu): end offset minus committed offset."""

from __future__ import annotations

import asyncio
import json
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from openrcm_devtools.consumer_lag import LagReader, consumer_lag, main


async def _topic_with_messages(bootstrap: str, per_partition: dict[int, int]) -> str:
    topic = f"lag-test-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=len(per_partition), replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for partition, count in per_partition.items():
            for n in range(count):
                await producer.send_and_wait(topic, f"{partition}-{n}".encode(), partition=partition)
    finally:
        await producer.stop()
    return topic


async def _consume_and_commit(bootstrap: str, topic: str, group: str, commits: dict[int, int]) -> AIOKafkaConsumer:
    """Join ``group``, read what the broker has, commit ``commits`` (partition -> offset); the consumer stays in the group."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest", session_timeout_ms=6000)
    await consumer.start()
    seen = 0
    while seen < 1:
        seen += sum(len(r) for r in (await consumer.getmany(timeout_ms=5000)).values())
    await consumer.commit({TopicPartition(topic, p): offset for p, offset in commits.items()})
    return consumer


async def test_lag_is_end_offset_minus_committed_offset_per_partition_and_in_total(broker):
    topic = await _topic_with_messages(broker.bootstrap_servers, {0: 7, 1: 5})  # N = 12
    group = f"lag-group-{uuid.uuid4().hex[:8]}"
    consumer = await _consume_and_commit(broker.bootstrap_servers, topic, group, {0: 4, 1: 5})  # k = 9
    try:
        lag = (await consumer_lag(broker.bootstrap_servers, {group: [topic]}))[group]
        by_partition = {(p.partition, p.end_offset, p.committed): p.lag for p in lag.partitions}
        assert by_partition == {(0, 7, 4): 3, (1, 5, 5): 0}
        assert lag.total == 12 - 9
        assert lag.by_topic() == {topic: 3}
        async with LagReader(broker.bootstrap_servers) as reader:
            description = await reader.describe(group)
        assert description.state == "Stable" and len(description.members) == 1
    finally:
        await consumer.stop()


async def test_partitions_without_a_commit_count_whole_and_a_group_that_never_read_lags_everything(broker):
    topic = await _topic_with_messages(broker.bootstrap_servers, {0: 3, 1: 2, 2: 4})
    group = f"lag-group-{uuid.uuid4().hex[:8]}"
    consumer = await _consume_and_commit(broker.bootstrap_servers, topic, group, {2: 1})
    try:
        async with LagReader(broker.bootstrap_servers) as reader:
            lags = await reader.lag({group: [topic], "nobody-reads-this": [topic, "no-such-topic"]})
        reading = {p.partition: (p.committed, p.lag) for p in lags[group].partitions}
        assert reading == {0: (None, 3), 1: (None, 2), 2: (1, 3)}
        assert lags[group].total == 8
        assert lags["nobody-reads-this"].total == 9
        assert {p.topic for p in lags["nobody-reads-this"].partitions} == {topic}
    finally:
        await consumer.stop()


def test_command_line_prints_each_groups_lag_as_json(broker, capsys):
    topic = asyncio.run(_topic_with_messages(broker.bootstrap_servers, {0: 2}))
    main(["--bootstrap-servers", broker.bootstrap_servers, f"cli-group={topic}"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["cli-group"]["total"] == 2
    assert printed["cli-group"]["partitions"] == [{"topic": topic, "partition": 0, "end_offset": 2, "committed": None, "lag": 2}]
