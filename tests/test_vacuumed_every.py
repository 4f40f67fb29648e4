"""The benches' stand-in for autovacuum (openrcm_devtools.databases.vacuumed_every) on real PostgreSQL."""

from __future__ import annotations

import asyncio

import asyncpg

from openrcm_devtools.databases import asyncpg_dsn, create_database, drop_database, vacuumed_every


async def test_tables_are_analyzed_while_the_block_runs_and_never_with_interval_0():
    url = await asyncio.to_thread(create_database, "openrcm_test_vacuum")
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("CREATE TABLE things (id int); INSERT INTO things SELECT generate_series(1, 100)")
        async with vacuumed_every([url], 0) as runs:
            await asyncio.sleep(0.3)
        assert runs == []
        async with vacuumed_every([url], 0.1) as runs:
            await asyncio.sleep(0.35)
        assert len(runs) >= 2
        analyzed = await connection.fetchval("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'things'")
        assert analyzed is not None
    finally:
        await connection.close()
        await asyncio.to_thread(drop_database, url)
