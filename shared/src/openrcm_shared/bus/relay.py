"""Outbox relay: publishes committed outbox rows to Kafka and marks them published.

Rows are leased, not held locked while publishing: a short transaction takes a batch
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so replicas take disjoint batches) and stamps a lease;
the relay publishes outside any transaction and then marks the rows published. A relay that dies
mid-batch leaves leased rows that another relay re-publishes when the lease runs out: delivery is
at least once and consumers' inboxes make it effectively once.

Wake-ups are coalesced: after a commit wakes the relay it waits ``coalesce_seconds`` (or until a
batch's worth of commits has woken it) before leasing, so that under load one cycle carries many
events instead of one cycle per commit.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from openrcm_shared.bus.kafka import KafkaConfig, ensure_topics, make_producer, stop_quietly
from openrcm_shared.db.tables import outbox_events
from openrcm_shared.db.types import utcnow

log = logging.getLogger(__name__)

_MAX_BACKOFF_SECONDS = 5.0

# Built once (executed with parameters): one statement leases a batch and returns its rows.
_LEASE = (
    update(outbox_events)
    .where(
        outbox_events.c.id.in_(
            select(outbox_events.c.id)
            .where(
                outbox_events.c.published_at.is_(None),
                outbox_events.c.leased_until.is_(None) | (outbox_events.c.leased_until < bindparam("b_now")),
            )
            .order_by(outbox_events.c.id)
            .limit(bindparam("b_limit"))
            .with_for_update(skip_locked=True)  # replicas take disjoint batches (PostgreSQL)
            .scalar_subquery()
        )
    )
    .values(leased_until=bindparam("b_until"), leased_by=bindparam("b_relay"))
    .returning(outbox_events.c.id, outbox_events.c.topic, outbox_events.c.message_key, outbox_events.c.envelope)
)
_MARK_SENT = (
    update(outbox_events)
    .where(outbox_events.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(published_at=bindparam("b_at"), leased_until=None)
)


class OutboxRelay:
    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        kafka: KafkaConfig,
        client_id: str,
        topics: list[str],
        poll_interval: float = 0.5,
        batch_size: int = 200,
        lease_seconds: float = 30,
        coalesce_seconds: float = 0.02,
    ) -> None:
        self._session_factory = session_factory
        self._kafka = kafka
        self._client_id = client_id
        self._topics = topics
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._publish_timeout = 2 * kafka.request_timeout_ms / 1000 + 5
        self._coalesce_seconds = coalesce_seconds
        self._wakeup = asyncio.Event()
        self._batch_ready = asyncio.Event()
        self._wakes = 0  # commits that woke the relay since it last leased
        self._relay_id = f"{client_id}-{uuid.uuid4().hex[:8]}"
        self._producer: AIOKafkaProducer | None = None
        self.published_total = 0

    @property
    def connected(self) -> bool:
        """False from a failed publish until the relay has reconnected and re-created its topics."""
        return self._producer is not None

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows, so they go out without waiting for the poll."""
        self._wakes += 1
        self._wakeup.set()
        if self._wakes >= self._batch_size:
            self._batch_ready.set()

    async def pending_count(self) -> int:
        async with self._session_factory() as session:
            return int(
                await session.scalar(select(func.count()).select_from(outbox_events).where(outbox_events.c.published_at.is_(None)))
                or 0
            )

    async def run(self) -> None:
        backoff = 0.2
        while True:
            try:
                await self._connect()
                published = await self.publish_batch()
                backoff = 0.2
                if published == self._batch_size:
                    continue  # more waiting: keep draining
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
                # arrives as the wake-up fires (a commit just before shutdown), and stop() then waits forever.
                try:
                    async with asyncio.timeout(self._poll_interval):
                        await self._wakeup.wait()
                    await self._coalesce()
                except TimeoutError:
                    pass
                self._wakeup.clear()
                self._batch_ready.clear()
                self._wakes = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database down: the rows wait in the outbox
                log.warning("outbox relay failed; retrying", extra={"error": type(exc).__name__, "retry_in_s": backoff})
                await self._disconnect()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)

    async def _coalesce(self) -> None:
        """After a wake-up, let more commits join the batch: a short wait, cut short by a full batch."""
        if self._coalesce_seconds <= 0 or self._wakes >= self._batch_size:
            return
        try:
            async with asyncio.timeout(self._coalesce_seconds):
                await self._batch_ready.wait()
        except TimeoutError:
            pass

    async def stop(self) -> None:
        await self._disconnect()

    async def _connect(self) -> None:
        if self._producer is not None:
            return
        producer = make_producer(self._kafka, self._client_id)
        try:
            await producer.start()
            # A fresh broker (the local one keeps nothing) needs its topics again.
            await ensure_topics(self._kafka, self._topics)
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer

    async def _disconnect(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await stop_quietly(producer)

    async def publish_batch(self) -> int:
        """Lease, publish and mark one batch; returns how many rows were published."""
        assert self._producer is not None
        rows = await self._lease_batch()
        if not rows:
            return 0
        try:
            await self._ensure_topics_still_exist()
            futures = [
                await self._producer.send(row.topic, value=row.envelope.encode(), key=row.message_key.encode())
                for row in rows
            ]
            # Bounded: a broker that vanished mid-send (or came back without the topic) can leave
            # deliveries pending forever. Unconfirmed rows are simply published again later.
            async with asyncio.timeout(self._publish_timeout):  # not wait_for: see runtime.cancel_and_wait
                results = await asyncio.gather(*futures, return_exceptions=True)
        except Exception as exc:
            await self._mark([], [(row.id, exc) for row in rows])
            raise
        sent = [row.id for row, result in zip(rows, results) if not isinstance(result, BaseException)]
        failed = [(row.id, result) for row, result in zip(rows, results) if isinstance(result, BaseException)]
        await self._mark(sent, failed)
        self.published_total += len(sent)
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(rows)} outbox events were not published")
        return len(sent)

    async def _ensure_topics_still_exist(self) -> None:
        """A broker that lost its topics (a memory-only one restarted) may acknowledge sends to a topic
        it does not have and drop them; one metadata round trip per batch catches that first."""
        assert self._producer is not None
        metadata = await self._producer.client.fetch_all_metadata()
        if not set(self._topics) <= set(metadata.topics()):
            await ensure_topics(self._kafka, self._topics)
            await self._producer.client.force_metadata_update()

    async def _lease_batch(self) -> list:
        now = utcnow()
        params = {"b_now": now, "b_limit": self._batch_size, "b_until": now + self._lease, "b_relay": self._relay_id}
        async with self._session_factory() as session, session.begin():
            rows = (await session.execute(_LEASE, params)).all()
        return sorted(rows, key=lambda row: row.id)  # RETURNING has no order; publish in outbox order

    async def _mark(self, sent: list[int], failed: list[tuple[int, BaseException]]) -> None:
        async with self._session_factory() as session, session.begin():
            if sent:
                await session.execute(_MARK_SENT, {"b_ids": sent, "b_at": utcnow()})
            for row_id, error in failed:
                await session.execute(
                    update(outbox_events)
                    .where(outbox_events.c.id == row_id)
                    .values(leased_until=None, attempts=outbox_events.c.attempts + 1, last_error=type(error).__name__)
                )
