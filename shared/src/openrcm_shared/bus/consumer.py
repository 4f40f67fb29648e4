"""Consumer runner: at-least-once delivery made effectively-once by the inbox.

For each record: parse the envelope, open a unit of work, skip if the inbox already holds
(consumer, event_id), insert the inbox row, run the handler, commit. Only then is the offset
committed. A handler that keeps failing is retried with backoff a bounded number of times, then
the record goes to ``<topic>.dlq`` with the error in its headers and the consumer moves on.
A record that cannot be parsed is poison: it goes to the DLQ at once.

The partitions of one poll are handled at the same time (each in order; not on SQLite, which has one
writer), and their offsets committed together once all are done.

Under load a poll brings several records per partition: they are handled in order in one
transaction (at most ``_MAX_EVENTS_PER_TRANSACTION``), each event's handler inside a savepoint of
its own, with one inbox read and one inbox insert for all of them, so one commit instead of one per
event. The handler sees an ordinary unit of work: its ``commit()`` keeps its work (written when the
shared transaction commits), leaving without commit or ``rollback()`` undoes only its own work. An
event whose handler fails is rolled back to its savepoint; the events before it commit, it is then
retried alone (that first failure counts as its first attempt) and dead-lettered alone, and the
events after it go on. If the shared transaction itself fails (a lost race, a dropped connection)
nothing of it is kept: its first event is handled alone and the rest together again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction, async_sessionmaker

from openrcm_shared.bus.kafka import (
    KafkaConfig, dlq_topic, ensure_topics, make_producer, stop_group_consumer, stop_quietly,
)
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
#: Events of one partition handled in one transaction at most: bounds the row locks held at once and,
#: on SQLite, how long the single writer's lock is held.
_MAX_EVENTS_PER_TRANSACTION = 50


@dataclass(frozen=True)
class Subscription:
    contract: type[EventContract]
    handler: EventHandler


class PoisonMessage(Exception):
    """The record can never be handled (not an envelope, wrong event, invalid payload)."""


@dataclass(frozen=True)
class _Parsed:
    record: ConsumerRecord
    envelope: EventEnvelope
    subscription: Subscription


@dataclass(frozen=True)
class _Poison:
    record: ConsumerRecord
    error: PoisonMessage


class _EventScope:
    """The shared transaction's session as one event's unit of work sees it, through a savepoint.

    ``commit`` keeps the event's work (the savepoint is released when the event ends, the work
    commits with the shared transaction); ``rollback`` undoes only the event's work and opens a
    new savepoint for what the handler does next; ``close`` leaves the shared session open.
    Everything else is the shared session's.
    """

    def __init__(self, session: AsyncSession, savepoint: AsyncSessionTransaction) -> None:
        self._session = session
        self._savepoint = savepoint
        self.committed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def commit(self) -> None:
        await self._session.flush()
        self.committed = True

    async def rollback(self) -> None:
        await self.discard()
        self._savepoint = await self._session.begin_nested()
        self.committed = False

    async def close(self) -> None:
        """The shared session outlives the event."""

    async def discard(self) -> None:
        if self._savepoint.is_active:
            await self._savepoint.rollback()

    async def end(self) -> None:
        if self._savepoint.is_active:
            await (self._savepoint.commit() if self.committed else self._savepoint.rollback())


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
        # SQLite has one writer: transactions of several partitions at once would only wait for each other.
        bind = uow_factory.session_factory.kw.get("bind")
        self._partitions_in_parallel = bind is None or bind.dialect.name != "sqlite"

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
        if consumer is not None:
            await stop_group_consumer(consumer)
        if producer is not None:
            await stop_quietly(producer)

    async def _connect(self) -> None:
        if self._consumer is not None:
            return
        await ensure_topics(self._kafka, self.topics + [dlq_topic(t) for t in self.topics])
        # Kept before they start: stop() cleans up after a start that failed or was cancelled half-way. Not
        # here in the (cancelled) task: a shutdown that cancels again would cut the consumer's LeaveGroup.
        self._dlq_producer = make_producer(self._kafka, f"{self.group_id}-dlq")
        self._consumer = AIOKafkaConsumer(
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
        await self._dlq_producer.start()
        await self._consumer.start()

    async def _poll_forever(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        while True:
            batch = await consumer.getmany(timeout_ms=500, max_records=_MAX_RECORDS_PER_POLL)
            next_offsets: dict[TopicPartition, int] = {}

            async def handle_partition(tp: TopicPartition, records: list[ConsumerRecord]) -> None:
                # A partition moved to another member mid-batch: stop there, the new owner redelivers the rest.
                last_done = await self.process_many(records, still_assigned=lambda: tp in consumer.assignment())
                if last_done is not None:
                    next_offsets[tp] = last_done + 1

            if len(batch) > 1 and self._partitions_in_parallel:
                # Partitions are independent (a key stays in one): while one waits on the database another works.
                async with asyncio.TaskGroup() as partitions:
                    for tp, records in batch.items():
                        partitions.create_task(handle_partition(tp, records))
            else:
                for tp, records in batch.items():
                    await handle_partition(tp, records)
            if next_offsets:
                await self._commit(consumer, next_offsets)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: Mapping[TopicPartition, int]) -> None:
        assigned = consumer.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # A rebalance mid-batch: the new owner re-reads and the inbox absorbs the repeat.
            log.info("offset commit skipped after rebalance", extra={"group": self.group_id, "error": type(exc).__name__})

    async def process_many(
        self, records: Sequence[ConsumerRecord], *, still_assigned: Callable[[], bool] = lambda: True,
    ) -> int | None:
        """Handle one partition's records in order, consecutive events together in one transaction; each
        record ends handled, already handled or dead-lettered. Returns the offset of the last record done
        (None: none), checking ``still_assigned`` before each transaction."""
        items = [self._parse_or_poison(record) for record in records]
        last_done: int | None = None
        index = 0
        while index < len(items) and still_assigned():
            item = items[index]
            if isinstance(item, _Poison):
                await self._dead_letter(item.record, item.error)
                index += 1
            else:
                run: list[_Parsed] = []
                for following in items[index:index + _MAX_EVENTS_PER_TRANSACTION]:
                    if isinstance(following, _Poison):
                        break
                    run.append(following)
                if len(run) == 1:
                    await self._process_parsed(item)
                    index += 1
                else:
                    done, failure = await self._handle_together(run)
                    index += done
                    if done < len(run):  # its handler failed, or the shared transaction did: alone from here
                        await self._process_parsed(run[done], first_failure=failure)
                        index += 1
            last_done = items[index - 1].record.offset
        return last_done

    async def process(self, record: ConsumerRecord) -> None:
        """Handle one record completely: handled, already handled, or dead-lettered."""
        item = self._parse_or_poison(record)
        if isinstance(item, _Poison):
            await self._dead_letter(record, item.error)
        else:
            await self._process_parsed(item)

    def _parse_or_poison(self, record: ConsumerRecord) -> _Parsed | _Poison:
        try:
            return _Parsed(record, *self._parse(record))
        except PoisonMessage as exc:
            return _Poison(record, exc)

    async def _process_parsed(self, parsed: _Parsed, *, first_failure: Exception | None = None) -> None:
        """One event in a transaction of its own, retried with backoff, then dead-lettered. ``first_failure``:
        its handler already failed once (with others in a shared transaction): that was the first attempt."""
        record, envelope = parsed.record, parsed.envelope
        token = set_correlation_id(envelope.correlation_id)
        try:
            last_error = first_failure
            for attempt in range(0 if first_failure is None else 1, self._max_retries + 1):
                if attempt > 0:
                    await asyncio.sleep(self._backoff * (2 ** (attempt - 1)))
                try:
                    outcome = await self._handle(envelope, record.topic, parsed.subscription)
                    self._log_handled(parsed, outcome)
                    return
                except Exception as exc:  # noqa: BLE001 - every failure is retried, then dead-lettered
                    last_error = exc
                    self._log_failed(envelope, attempt, exc)
            assert last_error is not None
            await self._dead_letter(record, last_error)
        finally:
            reset_correlation_id(token)

    def _log_handled(self, parsed: _Parsed, outcome: bool) -> None:
        envelope, record = parsed.envelope, parsed.record
        log.info(
            "event handled" if outcome else "event already handled",
            extra={"group": self.group_id, "event_type": envelope.event_type, "event_id": str(envelope.event_id),
                   "tenant_id": envelope.tenant_id, "partition": record.partition, "offset": record.offset},
        )
        self.handled_total += 1

    def _log_failed(self, envelope: EventEnvelope, attempt: int, error: Exception) -> None:
        log.warning(
            "event handler failed",
            extra={"group": self.group_id, "event_id": str(envelope.event_id), "attempt": attempt + 1,
                   "error": type(error).__name__},
        )

    async def _handle_together(self, run: Sequence[_Parsed]) -> tuple[int, Exception | None]:
        """Handle consecutive events in one transaction, each in a savepoint, stopping at the first whose
        handler fails. Returns how many were done (committed, or already in the inbox) and that failure;
        (0, None) when the shared transaction failed and nothing was kept."""
        outcomes: list[bool] = []
        failure: Exception | None = None
        wrote_events = False
        try:
            async with self._uow_factory() as uow:
                session = uow.session
                seen = set(await session.scalars(select(inbox_events.c.event_id).where(
                    inbox_events.c.consumer == self.group_id,
                    inbox_events.c.event_id.in_([parsed.envelope.event_id for parsed in run]))))
                handled: list[_Parsed] = []
                for parsed in run:
                    if parsed.envelope.event_id in seen:  # handled before, or earlier in this run
                        outcomes.append(False)
                        continue
                    try:
                        wrote_events |= await self._handle_in_savepoint(session, parsed)
                    except Exception as exc:  # noqa: BLE001 - retried alone, then dead-lettered
                        failure = exc
                        self._log_failed(parsed.envelope, 0, exc)
                        break
                    seen.add(parsed.envelope.event_id)
                    handled.append(parsed)
                    outcomes.append(True)
                if handled:
                    now = utcnow()
                    await session.execute(insert(inbox_events), [
                        {"consumer": self.group_id, "event_id": p.envelope.event_id, "tenant_id": p.envelope.tenant_id,
                         "event_type": p.envelope.event_type, "topic": p.record.topic, "handled_at": now}
                        for p in handled
                    ])
                await uow.commit()
        except Exception as exc:  # noqa: BLE001 - nothing was kept; the events are handled again
            log.warning("events could not be handled together; handling them again", extra={
                "group": self.group_id, "events": len(run), "error": type(exc).__name__})
            return 0, None
        if wrote_events:
            self._uow_factory.notify_committed()  # the outbox rows are committed now: wake the relay
        for parsed, outcome in zip(run, outcomes):
            token = set_correlation_id(parsed.envelope.correlation_id)  # the log line carries the event's
            try:
                self._log_handled(parsed, outcome)
            finally:
                reset_correlation_id(token)
        return len(outcomes), failure

    async def _handle_in_savepoint(self, session: AsyncSession, parsed: _Parsed) -> bool:
        """Run one handler inside the shared transaction; True if it wrote events to the outbox.
        Its work is undone (and the error raised) if it fails, undone if it leaves without commit."""
        scope = _EventScope(session, await session.begin_nested())
        emitted: list[bool] = []
        as_session_factory = cast(async_sessionmaker[AsyncSession], lambda: scope)
        token = set_correlation_id(parsed.envelope.correlation_id)
        try:
            async with UnitOfWork(as_session_factory, on_commit=lambda: emitted.append(True)) as uow:
                await parsed.subscription.handler(uow, parsed.envelope)
        except Exception:
            await scope.discard()  # (cancelled: the shared transaction rolls back as a whole)
            raise
        finally:
            reset_correlation_id(token)
        await scope.end()
        return bool(emitted) and scope.committed

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
