from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.consumer.group_coordinator import GroupCoordinator
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.group import JoinGroupRequest, LeaveGroupRequest

from openrcm_shared.settings import ServiceSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KafkaConfig:
    bootstrap_servers: str
    enable_idempotence: bool = False
    partitions: int = 6
    replication_factor: int = 1
    request_timeout_ms: int = 10_000
    session_timeout_ms: int = 10_000

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> "KafkaConfig":
        return cls(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            enable_idempotence=settings.kafka_enable_idempotence,
            partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
            session_timeout_ms=settings.kafka_session_timeout_ms,
        )


async def stop_quietly(client: object, timeout: float = 5.0) -> None:
    """Stop an aiokafka client without hanging on a broker that is gone (pending sends are dropped:
    their outbox rows or uncommitted offsets bring them back)."""
    try:
        await asyncio.wait_for(client.stop(), timeout)  # type: ignore[attr-defined]
    except Exception:
        pass


async def stop_group_consumer(consumer: AIOKafkaConsumer, timeout: float = 5.0) -> None:
    """Stop a group consumer (started, half-started or never started) and leave its group, whatever its
    generation; never hangs longer than ``timeout`` on a broker that is gone.

    aiokafka (0.14) sends LeaveGroup only with a generation above 0. A member stopped in the middle of a
    join (the broker has its member id, it has no generation yet), or after its first join on a broker
    that counts generations from 0 (tansu), stays in the group until the broker drops it: the group's
    next rebalance waits for it, may elect it leader (the others' SyncGroup then fails after the
    rebalance timeout) or hand it partitions nobody reads. Like the Java client, leave whenever the
    broker knows our member id.
    """
    coordinator = consumer._coordinator  # created by start(); aiokafka is pinned below 0.15 for this
    if isinstance(coordinator, GroupCoordinator):
        async def leave() -> None:
            if coordinator.member_id != JoinGroupRequest.UNKNOWN_MEMBER_ID and coordinator._group_instance_id is None:
                try:
                    await coordinator._send_req(LeaveGroupRequest(coordinator.group_id, coordinator.member_id))
                except KafkaError as exc:  # best effort, as aiokafka's own: the broker drops us at session timeout
                    log.info("LeaveGroup failed", extra={"group": coordinator.group_id, "error": type(exc).__name__})
            coordinator.reset_generation()

        coordinator._maybe_leave_group = leave  # what close() calls once the coordination task has ended
    await stop_quietly(consumer, timeout)


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


def make_producer(config: KafkaConfig, client_id: str) -> AIOKafkaProducer:
    # aiokafka defaults to acks=1: a leader crash loses acknowledged writes. Always acks=all.
    return AIOKafkaProducer(
        bootstrap_servers=config.bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=config.enable_idempotence,
        request_timeout_ms=config.request_timeout_ms,
        linger_ms=2,
    )


async def ensure_topics(config: KafkaConfig, topics: Iterable[str]) -> None:
    """Create the topics if missing (an existing topic is fine)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=config.bootstrap_servers, request_timeout_ms=config.request_timeout_ms)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if missing:
            new = [NewTopic(t, num_partitions=config.partitions, replication_factor=config.replication_factor) for t in missing]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass  # another replica won the race
            log.info("topics created", extra={"topics": missing})
    finally:
        await admin.close()


async def broker_reachable(config: KafkaConfig, timeout: float = 2.0) -> bool:
    """True when a broker answers a metadata request within ``timeout`` seconds."""
    client = AIOKafkaClient(bootstrap_servers=config.bootstrap_servers, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        return True
    except Exception:
        return False
    finally:
        await client.close()
