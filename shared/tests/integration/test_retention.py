"""Retention of the outbox and the inbox, on both databases a service may run on: only published outbox rows
and inbox rows past their retention go, in batches; unpublished outbox rows stay whatever their age."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from openrcm_shared.bus.retention import Purged, Retention, purge_handled_events
from openrcm_shared.db import inbox_events, outbox_events, platform_metadata, utcnow
from openrcm_shared.runtime import ServiceDefinition, ServiceRuntime
from openrcm_shared.settings import ServiceSettings

NOW = utcnow()
RETENTION = Retention(published_outbox=timedelta(days=7), inbox=timedelta(days=30))


def outbox_row(name: str, *, created_days_ago: float, published_days_ago: float | None) -> dict:
    return {"event_id": uuid.uuid4(), "tenant_id": "t1", "topic": "rcm.test", "message_key": name, "envelope": name,
            "created_at": NOW - timedelta(days=created_days_ago),
            "published_at": None if published_days_ago is None else NOW - timedelta(days=published_days_ago)}


def inbox_row(consumer: str, *, handled_days_ago: float) -> dict:
    return {"consumer": consumer, "event_id": uuid.uuid4(), "tenant_id": "t1", "event_type": "Test",
            "topic": "rcm.test", "handled_at": NOW - timedelta(days=handled_days_ago)}


async def test_only_rows_past_retention_go_and_unpublished_events_always_stay(any_database):
    async with any_database.begin() as connection:
        await connection.execute(insert(outbox_events), [
            outbox_row("published-8-days-ago", created_days_ago=8, published_days_ago=8),
            outbox_row("published-6-days-ago", created_days_ago=8, published_days_ago=6),
            outbox_row("never-published", created_days_ago=60, published_days_ago=None),
        ])
        await connection.execute(insert(inbox_events), [
            inbox_row("claims-svc", handled_days_ago=31), inbox_row("claims-svc", handled_days_ago=29),
        ])
    purged = await purge_handled_events(async_sessionmaker(any_database), RETENTION, now=NOW)
    assert purged == Purged(outbox_rows=1, inbox_rows=1)
    async with any_database.connect() as connection:
        kept = set((await connection.execute(select(outbox_events.c.message_key))).scalars())
        handled = list((await connection.execute(select(inbox_events.c.handled_at))).scalars())
    assert kept == {"published-6-days-ago", "never-published"}
    assert handled == [NOW - timedelta(days=29)]


async def test_a_backlog_goes_in_batches_until_none_is_left(any_database):
    async with any_database.begin() as connection:
        await connection.execute(insert(outbox_events), [
            outbox_row(f"old-{n}", created_days_ago=10, published_days_ago=9) for n in range(7)])
        await connection.execute(insert(inbox_events), [
            inbox_row(f"svc-{n % 2}", handled_days_ago=40) for n in range(5)])
    purged = await purge_handled_events(async_sessionmaker(any_database), RETENTION, now=NOW, batch_size=3)
    assert purged == Purged(outbox_rows=7, inbox_rows=5)
    assert await purge_handled_events(async_sessionmaker(any_database), RETENTION, now=NOW, batch_size=3) == Purged(0, 0)


async def test_the_service_housekeeping_applies_the_configured_retention(postgres_url, tmp_path):
    """What every replica runs each hour: the retention comes from the service's settings."""
    settings = ServiceSettings(database_url=postgres_url, outbox_retention_days=1, inbox_retention_days=2)
    runtime = ServiceRuntime(ServiceDefinition(name="retention-test", version="0", migrations_dir=tmp_path, routers=[]),
                             settings)
    try:
        async with runtime.engine.begin() as connection:
            await connection.run_sync(platform_metadata.create_all)
            await connection.execute(insert(outbox_events), [
                outbox_row("published-2-days-ago", created_days_ago=2, published_days_ago=2),
                outbox_row("published-today", created_days_ago=0.5, published_days_ago=0.5)])
            await connection.execute(insert(inbox_events), [
                inbox_row("svc", handled_days_ago=3), inbox_row("svc", handled_days_ago=1)])
        await runtime.housekeep()
        async with runtime.engine.connect() as connection:
            kept = set((await connection.execute(select(outbox_events.c.message_key))).scalars())
            inbox_left = len((await connection.execute(select(inbox_events.c.event_id))).all())
    finally:
        await runtime.engine.dispose()
    assert kept == {"published-today"} and inbox_left == 1
