"""Throw-away PostgreSQL databases for tests (CI shares one server, so each test run makes its own)."""

from __future__ import annotations

import asyncio
import os
import uuid

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
