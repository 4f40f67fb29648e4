"""The connection pool serves waiting requests in arrival order, and a server without autovacuum is reported
(real PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text

from openrcm_shared.db import create_engine
from openrcm_shared.db.engine import AUTOVACUUM_OFF_WARNING, FairConnectionQueue, warn_if_autovacuum_off


async def _until_waiting(queue: FairConnectionQueue, count: int) -> None:
    for _ in range(500):
        if queue.waiting == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} request(s) never waited for a connection")


async def test_a_returned_connection_goes_to_the_longest_waiter_not_to_a_newcomer(postgres_url):
    engine = create_engine(postgres_url, pool_size=1)  # at most two connections: one kept, one overflow
    queue = engine.sync_engine.pool._pool
    assert isinstance(queue, FairConnectionQueue)
    served: list[str] = []

    async def use_one(name: str) -> None:
        async with engine.connect():
            served.append(name)

    try:
        first, second = await engine.connect(), await engine.connect()
        waiting = asyncio.create_task(use_one("waiting"))
        await _until_waiting(queue, 1)
        await first.close()
        # The task that returned the connection asks again at once: it must queue behind the waiter.
        await use_one("newcomer")
        await waiting
        await second.close()
    finally:
        await engine.dispose()
    assert served == ["waiting", "newcomer"]


async def test_a_waiter_that_times_out_is_skipped(postgres_url):
    engine = create_engine(postgres_url, pool_size=1)
    engine.sync_engine.pool._timeout = 0.2
    queue = engine.sync_engine.pool._pool
    try:
        first, second = await engine.connect(), await engine.connect()
        try:
            await engine.connect()
            raise AssertionError("a third connection should time out")
        except Exception as exc:  # sqlalchemy.exc.TimeoutError: the pool limit was reached
            assert "QueuePool limit" in str(exc)
        assert queue.waiting == 0
        await first.close()
        async with engine.connect() as third:  # the returned connection went to the idle list, not the gone waiter
            assert (await third.exec_driver_sql("select 1")).scalar() == 1
        await second.close()
    finally:
        await engine.dispose()


async def test_a_server_without_autovacuum_is_reported_at_start_up(postgres_url, caplog):
    """Cached plans need the statistics autovacuum keeps: the warning appears exactly when the server has it off."""
    engine = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            setting = (await connection.execute(text("SHOW autovacuum"))).scalar_one()
        with caplog.at_level(logging.WARNING, logger="openrcm_shared.db.engine"):
            warned = await warn_if_autovacuum_off(engine)
    finally:
        await engine.dispose()
    assert warned == (setting != "on")
    assert (AUTOVACUUM_OFF_WARNING in caplog.text) == warned


async def test_sqlite_has_no_autovacuum_to_report(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        assert await warn_if_autovacuum_off(engine) is False
    finally:
        await engine.dispose()


async def test_a_database_not_reachable_yet_does_not_stop_the_start_up():
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    try:
        assert await warn_if_autovacuum_off(engine) is False
    finally:
        await engine.dispose()
