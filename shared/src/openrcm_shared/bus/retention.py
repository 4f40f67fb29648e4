"""Retention of the outbox and the inbox: rows that have done their job are deleted after a while.

A published outbox row is only history once the broker has the event (kept for inspection of recent
traffic). An inbox row is what makes a redelivered event a no-op, so it must outlive every way the
event can come again: keep it longer than the topics' retention on the broker (Kafka's default is
7 days), or a consumer group reset to the earliest offset would handle old events a second time.
Unpublished outbox rows are never deleted, whatever their age.

Deletes go in batches, each in its own short transaction, so a large backlog never holds locks long;
each batch takes the oldest rows in key order, so replicas purging at once wait for each other rather
than deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Delete, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from openrcm_shared.db import inbox_events, outbox_events, utcnow


@dataclass(frozen=True)
class Retention:
    published_outbox: timedelta
    inbox: timedelta


@dataclass(frozen=True)
class Purged:
    outbox_rows: int
    inbox_rows: int


async def purge_handled_events(
    session_factory: async_sessionmaker[AsyncSession], retention: Retention, *, now: datetime | None = None,
    batch_size: int = 5_000,
) -> Purged:
    """Delete outbox rows published before ``now - retention.published_outbox`` and inbox rows handled
    before ``now - retention.inbox``, ``batch_size`` rows per transaction; returns how many went."""
    now = now or utcnow()
    outbox_cutoff, inbox_cutoff = now - retention.published_outbox, now - retention.inbox
    oldest_published = (
        select(outbox_events.c.id)
        .where(outbox_events.c.published_at.is_not(None), outbox_events.c.published_at < outbox_cutoff)
        .order_by(outbox_events.c.id).limit(batch_size)
    )
    oldest_handled = (
        select(inbox_events.c.consumer, inbox_events.c.event_id)
        .where(inbox_events.c.handled_at < inbox_cutoff)
        .order_by(inbox_events.c.consumer, inbox_events.c.event_id).limit(batch_size)
    )
    outbox_rows = await _delete_in_batches(
        session_factory, delete(outbox_events).where(outbox_events.c.id.in_(oldest_published)), batch_size)
    inbox_rows = await _delete_in_batches(
        session_factory,
        delete(inbox_events).where(tuple_(inbox_events.c.consumer, inbox_events.c.event_id).in_(oldest_handled)),
        batch_size,
    )
    return Purged(outbox_rows, inbox_rows)


async def _delete_in_batches(session_factory: async_sessionmaker[AsyncSession], statement: Delete, batch_size: int) -> int:
    deleted = 0
    while True:
        async with session_factory() as session:
            result = await session.execute(statement)
            await session.commit()
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        deleted += count
        if count < batch_size:
            return deleted
