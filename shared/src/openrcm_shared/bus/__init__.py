"""Kafka platform: topics, the outbox relay and the consumer runner (aiokafka)."""

from openrcm_shared.bus.kafka import KafkaConfig, broker_reachable, dlq_topic, ensure_topics, make_producer
from openrcm_shared.bus.relay import OutboxRelay
from openrcm_shared.bus.consumer import EventConsumer, EventHandler

__all__ = [
    "KafkaConfig", "broker_reachable", "dlq_topic", "ensure_topics", "make_producer", "OutboxRelay",
    "EventConsumer", "EventHandler",
]
