"""Read a service's database directly to check effects (tests only; services never do this)."""

from __future__ import annotations

import asyncio

import asyncpg

from openrcm_devtools.databases import asyncpg_dsn


def scalar(database_url: str, sql: str, *args: object) -> object:
    async def run() -> object:
        connection = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            return await connection.fetchval(sql, *args)
        finally:
            await connection.close()

    return asyncio.run(run())
