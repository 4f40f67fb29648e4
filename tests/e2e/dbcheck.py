"""Read a service's database directly to check effects (tests only; services never do this)."""

from __future__ import annotations

import asyncio

import asyncpg


def scalar(database_url: str, sql: str, *args: object) -> object:
    async def run() -> object:
        connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            return await connection.fetchval(sql, *args)
        finally:
            await connection.close()

    return asyncio.run(run())
