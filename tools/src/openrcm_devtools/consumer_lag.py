"""Consumer-group lag and partition assignment, read from the broker (benchmarks, operations).

Lag of a group on a partition = the partition's end offset (the next offset the broker will write)
minus the group's committed offset. A partition the group subscribes to but has never committed on
counts from the partition's first offset: the services start at the earliest offset, so all of it is
still to be handled. Works against Apache Kafka and tansu (OffsetFetch, ListOffsets, DescribeGroups);
on tansu name the topics each group reads (see ``LagReader.group_lag``).

    .venv/bin/python -m openrcm_devtools.consumer_lag --bootstrap-servers 127.0.0.1:9092 \\
        claims-svc=coding.encounter-coded.v1,payments.remit-received.v1 payments-svc
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    end_offset: int
    #: None: the group has committed nothing on this partition yet.
    committed: int | None
    lag: int


@dataclass(frozen=True)
class GroupLag:
    group_id: str
    partitions: tuple[PartitionLag, ...] = ()

    @property
    def total(self) -> int:
        return sum(p.lag for p in self.partitions)

    def by_topic(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for p in self.partitions:
            totals[p.topic] = totals.get(p.topic, 0) + p.lag
        return totals

    def as_dict(self) -> dict[str, object]:
        return {
            "group_id": self.group_id, "total": self.total, "by_topic": self.by_topic(),
            "partitions": [{"topic": p.topic, "partition": p.partition, "end_offset": p.end_offset,
                            "committed": p.committed, "lag": p.lag} for p in self.partitions],
        }


@dataclass(frozen=True)
class GroupMember:
    member_id: str
    client_id: str
    client_host: str
    assignment: tuple[TopicPartition, ...] = ()


@dataclass(frozen=True)
class GroupDescription:
    group_id: str
    state: str
    members: tuple[GroupMember, ...] = field(default_factory=tuple)


class LagReader:
    """One admin client and one group-less consumer, reused for repeated samples (start/close it)."""

    def __init__(self, bootstrap_servers: str, *, request_timeout_ms: int = 10_000) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=request_timeout_ms)
        # No group: it only asks for offsets, it never joins or commits.
        self._offsets = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None,
                                         request_timeout_ms=request_timeout_ms, metadata_max_age_ms=2_000)

    async def start(self) -> "LagReader":
        await self._admin.start()
        await self._offsets.start()
        return self

    async def close(self) -> None:
        await self._offsets.stop()
        await self._admin.close()

    async def __aenter__(self) -> "LagReader":
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def partitions_of(self, topics: Iterable[str]) -> list[TopicPartition]:
        """Every partition of the topics that exist (a topic not created yet has none)."""
        wanted = list(dict.fromkeys(topics))
        if not wanted:
            return []
        await self._offsets._client.force_metadata_update()  # noqa: SLF001 - topics created since start-up
        found: list[TopicPartition] = []
        for topic in wanted:
            for partition in sorted(self._offsets.partitions_for_topic(topic) or ()):
                found.append(TopicPartition(topic, partition))
        return found

    async def group_lag(self, group_id: str, topics: Iterable[str] = ()) -> GroupLag:
        """The group's lag on every partition of ``topics``.

        Without topics, the broker is asked for every partition the group has committed on (OffsetFetch
        v2+ with no partitions): Apache Kafka answers that, tansu 0.6 drops the connection instead, so
        pass the topics there. A partition the group never committed on counts from its first offset.
        """
        partitions = await self.partitions_of(topics) if topics else None
        if partitions == []:
            return GroupLag(group_id)
        fetched = await self._admin.list_consumer_group_offsets(group_id, partitions=partitions)
        committed = {tp: meta.offset for tp, meta in fetched.items() if meta.offset >= 0}
        partitions = sorted(partitions if partitions is not None else committed)
        if not partitions:
            return GroupLag(group_id)
        ends = await self._offsets.end_offsets(partitions)
        never_committed = [tp for tp in partitions if tp not in committed]
        starts = await self._offsets.beginning_offsets(never_committed) if never_committed else {}
        rows = []
        for tp in partitions:
            position = committed.get(tp)
            lag = ends[tp] - (position if position is not None else starts[tp])
            rows.append(PartitionLag(tp.topic, tp.partition, ends[tp], position, max(lag, 0)))
        return GroupLag(group_id, tuple(rows))

    async def lag(self, groups: Iterable[str] | Mapping[str, Iterable[str]]) -> dict[str, GroupLag]:
        """Lag of each group; a mapping gives each group the topics it subscribes to."""
        topics_of = groups if isinstance(groups, Mapping) else {g: () for g in groups}
        return {group: await self.group_lag(group, topics) for group, topics in topics_of.items()}

    async def describe(self, group_id: str) -> GroupDescription:
        """The group's state and members (DescribeGroups). tansu 0.6 answers with the members but leaves
        their client id, host and assignment empty: there, read assignments from the consumers' logs."""
        responses = await self._admin.describe_consumer_groups([group_id])
        for response in responses:
            for group in response.groups:
                error_code, gid, state, _protocol_type, _protocol, members = group[:6]
                if gid != group_id:
                    continue
                if error_code:
                    raise RuntimeError(f"DescribeGroups {group_id}: error code {error_code}")
                described = []
                for member in members:
                    member_id, client_id, client_host, _metadata, assignment = member[:5]
                    described.append(GroupMember(member_id, client_id, client_host, _decode_assignment(assignment)))
                return GroupDescription(group_id, state, tuple(described))
        return GroupDescription(group_id, "Unknown")


def _decode_assignment(raw: bytes) -> tuple[TopicPartition, ...]:
    if not raw:
        return ()
    decoded = ConsumerProtocolMemberAssignment.decode(raw)
    return tuple(sorted(TopicPartition(topic, p) for topic, partitions in decoded.assignment for p in partitions))


async def consumer_lag(bootstrap_servers: str, groups: Iterable[str] | Mapping[str, Iterable[str]]) -> dict[str, GroupLag]:
    """One-shot: the lag of each group (see ``LagReader.lag``)."""
    async with LagReader(bootstrap_servers) as reader:
        return await reader.lag(groups)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("groups", nargs="+", metavar="GROUP[=TOPIC,...]",
                        help="consumer group ids, each optionally with the topics it reads (needed on tansu)")
    args = parser.parse_args(argv)
    groups = {}
    for spec in args.groups:
        group, _, topics = spec.partition("=")
        groups[group] = [t for t in topics.split(",") if t]
    result = asyncio.run(consumer_lag(args.bootstrap_servers, groups))
    print(json.dumps({g: lag.as_dict() for g, lag in result.items()}, indent=2))


if __name__ == "__main__":
    main()
