"""Throw-away PostgreSQL databases for tests and benches (CI shares one server, so each run makes its own)."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import asyncpg

ADMIN_DSN = os.environ.get("OPENRCM_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _run(coro):  # type: ignore[no-untyped-def]
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


async def _execute(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as the DSN asyncpg itself takes."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def create_database(prefix: str = "openrcm_test") -> str:
    """Create an empty database and return its SQLAlchemy async URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _run(_execute(f'CREATE DATABASE "{name}"'))
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    _run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def vacuumed_every(database_urls: Iterable[str], interval: float) -> AsyncIterator[list[float]]:
    """For the benches, stand in for autovacuum, which this machine's PostgreSQL runs switched off: while the
    block runs, ``VACUUM (ANALYZE)`` each database every ``interval`` seconds (0 or less: never). Yields the
    list of how many seconds each round took.

    Without it nothing analyzes the tables a bench fills from empty: the services' prepared statements keep
    plans made for empty tables (coding-svc's natural-key lookup, e.g., then goes by the tenant-prefixed
    work-queue index and filters every encounter of the tenant), and updated rows leave dead versions that
    every index scan walks. Production PostgreSQL runs autovacuum (the default), which does this by itself.
    """
    runs: list[float] = []
    if interval <= 0:
        yield runs
        return
    connections = [await asyncpg.connect(asyncpg_dsn(url)) for url in database_urls]

    async def vacuum_forever() -> None:
        while True:
            await asyncio.sleep(interval)
            started = time.perf_counter()
            for connection in connections:
                await connection.execute("VACUUM (ANALYZE)")
            runs.append(time.perf_counter() - started)

    task = asyncio.create_task(vacuum_forever())
    try:
        yield runs
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        for connection in connections:
            await connection.close()
