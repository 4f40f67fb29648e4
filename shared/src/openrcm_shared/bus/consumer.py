"""Consumer runner: at-least-once delivery made effectively-once by the inbox.

For each record: parse the envelope, open a unit of work, skip if the inbox already holds
(consumer, event_id), insert the inbox row, run the handler, commit. Only then is the offset
committed. A handler that keeps failing is retried with backoff a bounded number of times, then
the record goes to ``<topic>.dlq`` with the error in its headers and the consumer moves on.
A record that cannot be parsed is poison: it goes to the DLQ at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, StatementError

from openrcm_shared.bus.kafka import KafkaConfig, dlq_topic, ensure_topics, make_producer, stop_quietly
from openrcm_shared.contracts.envelope import EventContract, EventEnvelope
from openrcm_shared.db.tables import inbox_events
from openrcm_shared.db.types import utcnow
from openrcm_shared.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from openrcm_shared.observability import reset_correlation_id, set_correlation_id

log = logging.getLogger(__name__)

#: A handler is a use case: it receives the unit of work (the inbox row is already in it) and the
#: parsed envelope. It may commit; if it does not, the runner commits the inbox row alone.
EventHandler = Callable[[UnitOfWork, EventEnvelope], Awaitable[None]]

_MAX_ERROR_HEADER = 1000
_MAX_RECORDS_PER_POLL = 100


@dataclass(frozen=True)
class Subscription:
    contract: type[EventContract]
    handler: EventHandler


class PoisonMessage(Exception):
    """The record can never be handled (not an envelope, wrong event, invalid payload)."""


class EventConsumer:
    def __init__(
        self,
        *,
        group_id: str,
        kafka: KafkaConfig,
        uow_factory: UnitOfWorkFactory,
        handlers: Mapping[type[EventContract], EventHandler],
        max_retries: int = 3,
        retry_backoff_seconds: float = 0.2,
    ) -> None:
        self.group_id = group_id
        self._kafka = kafka
        self._uow_factory = uow_factory
        self._subscriptions = {c.topic(): Subscription(c, h) for c, h in handlers.items()}
        self._max_retries = max_retries
        self._backoff = retry_backoff_seconds
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        self.handled_total = 0
        self.dead_lettered_total = 0

    @property
    def topics(self) -> list[str]:
        return list(self._subscriptions)

    async def run(self) -> None:
        backoff = 0.5
        while True:
            try:
                await self._connect()
                backoff = 0.5
                await self._poll_forever()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer failed; restarting", extra={"group": self.group_id, "error": type(exc).__name__})
                await self.stop()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def stop(self) -> None:
        consumer, self._consumer = self._consumer, None
        producer, self._dlq_producer = self._dlq_producer, None
        for client in (consumer, producer):
            if client is not None:
                await stop_quietly(client)

    async def _connect(self) -> None:
        if self._consumer is not None:
            return
        await ensure_topics(self._kafka, self.topics + [dlq_topic(t) for t in self.topics])
        producer = make_producer(self._kafka, f"{self.group_id}-dlq")
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self._kafka.bootstrap_servers,
            group_id=self.group_id,
            client_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # Handling a poll's records must stay well inside this, or the group evicts us.
            max_poll_interval_ms=300_000,
            metadata_max_age_ms=5_000,
            session_timeout_ms=self._kafka.session_timeout_ms,
            heartbeat_interval_ms=max(300, self._kafka.session_timeout_ms // 3),
        )
        try:
            await producer.start()
            await consumer.start()
        except BaseException:
            await producer.stop()
            await consumer.stop()
            raise
        self._dlq_producer, self._consumer = producer, consumer

    async def _poll_forever(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        while True:
            batch = await consumer.getmany(timeout_ms=500, max_records=_MAX_RECORDS_PER_POLL)
            for tp, records in batch.items():
                last_done: int | None = None
                for record in records:
                    if tp not in consumer.assignment():
                        break  # partition moved to another member mid-batch; it will redeliver
                    await self.process(record)
                    last_done = record.offset
                if last_done is not None:
                    await self._commit(consumer, tp, last_done + 1)

    async def _commit(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        if tp not in consumer.assignment():
            return
        try:
            await consumer.commit({tp: offset})
        except (CommitFailedError, IllegalStateError) as exc:
            # A rebalance mid-batch: the new owner re-reads and the inbox absorbs the repeat.
            log.info("offset commit skipped after rebalance", extra={"group": self.group_id, "error": type(exc).__name__})

    async def process(self, record: ConsumerRecord) -> None:
        """Handle one record completely: handled, already handled, or dead-lettered."""
        try:
            envelope, subscription = self._parse(record)
        except PoisonMessage as exc:
            await self._dead_letter(record, exc)
            return
        token = set_correlation_id(envelope.correlation_id)
        try:
            last_error: Exception | None = None
            for attempt in range(self._max_retries + 1):
                try:
                    outcome = await self._handle(envelope, record.topic, subscription)
                    log.info(
                        "event handled" if outcome else "event already handled",
                        extra={"group": self.group_id, "event_type": envelope.event_type, "event_id": str(envelope.event_id),
                               "tenant_id": envelope.tenant_id, "partition": record.partition, "offset": record.offset},
                    )
                    self.handled_total += 1
                    return
                except Exception as exc:  # noqa: BLE001 - every failure is retried, then dead-lettered
                    last_error = exc
                    log.warning(
                        "event handler failed",
                        extra={"group": self.group_id, "event_id": str(envelope.event_id), "attempt": attempt + 1,
                               "error": type(exc).__name__},
                    )
                    if attempt < self._max_retries:
                        await asyncio.sleep(self._backoff * (2**attempt))
            assert last_error is not None
            await self._dead_letter(record, last_error)
        finally:
            reset_correlation_id(token)

    def _parse(self, record: ConsumerRecord) -> tuple[EventEnvelope, Subscription]:
        subscription = self._subscriptions.get(record.topic)
        if subscription is None:
            raise PoisonMessage(f"no handler for topic {record.topic}")
        if record.value is None:
            raise PoisonMessage("empty message")
        try:
            envelope = EventEnvelope.model_validate_json(record.value)
            envelope.payload_as(subscription.contract)
        except (ValidationError, ValueError) as exc:
            raise PoisonMessage(_describe(exc)) from exc
        return envelope, subscription

    async def _handle(self, envelope: EventEnvelope, topic: str, subscription: Subscription) -> bool:
        """Returns False when the inbox shows the event was already handled."""
        async with self._uow_factory() as uow:
            seen = await uow.session.scalar(
                select(inbox_events.c.event_id).where(
                    inbox_events.c.consumer == self.group_id, inbox_events.c.event_id == envelope.event_id
                )
            )
            if seen is not None:
                return False
            await uow.session.execute(
                insert(inbox_events).values(
                    consumer=self.group_id, event_id=envelope.event_id, tenant_id=envelope.tenant_id,
                    event_type=envelope.event_type, topic=topic, handled_at=utcnow(),
                )
            )
            await subscription.handler(uow, envelope)
            if not uow.committed:
                try:
                    await uow.commit()
                except IntegrityError:
                    return False  # another replica recorded the same event first
            return True

    async def _dead_letter(self, record: ConsumerRecord, error: BaseException) -> None:
        assert self._dlq_producer is not None
        headers = [
            ("dlq.origin.topic", record.topic.encode()),
            ("dlq.origin.partition", str(record.partition).encode()),
            ("dlq.origin.offset", str(record.offset).encode()),
            ("dlq.consumer.group", self.group_id.encode()),
            ("dlq.error.type", type(error).__name__.encode()),
            ("dlq.error.message", _describe(error)[:_MAX_ERROR_HEADER].encode()),
            ("dlq.failed_at", utcnow().isoformat().encode()),
        ]
        # If this fails the offset is not committed and the record comes back after a restart.
        async with asyncio.timeout(2 * self._kafka.request_timeout_ms / 1000 + 5):  # not wait_for: see runtime
            await self._dlq_producer.send_and_wait(
                dlq_topic(record.topic), value=record.value, key=record.key, headers=headers
            )
        self.dead_lettered_total += 1
        log.error(
            "event dead-lettered",
            extra={"group": self.group_id, "topic": record.topic, "partition": record.partition, "offset": record.offset,
                   "error": type(error).__name__},
        )


def _describe(error: BaseException) -> str:
    """Error text for the DLQ header without the rejected values (they may hold PHI)."""
    if isinstance(error, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_input=False))
    cause = error.__cause__
    if isinstance(cause, ValidationError):
        return _describe(cause)
    if isinstance(error, StatementError):
        # SQLAlchemy's text includes the statement's parameters: keep them out.
        return f"{type(error).__name__}: {type(error.orig).__name__ if error.orig else 'database error'}"
    return f"{type(error).__name__}: {error}"
