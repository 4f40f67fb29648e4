"""Alembic helpers shared by every service's migrations/env.py.

Each service keeps its own ``migrations/`` (script location) and metadata; this module runs them
against the async engine and, on PostgreSQL, under an advisory lock so replicas starting together
apply each migration once.
"""

from __future__ import annotations

import asyncio
import os
import zlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from openrcm_shared.db.engine import create_engine, is_postgres


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Apply every migration (blocking; call from a thread inside an event loop)."""
    command.upgrade(alembic_config(migrations_dir, database_url), "head")


def run_env(target_metadata: list[MetaData], lock_name: str) -> None:
    """The body of a service's migrations/env.py."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, target_metadata, lock_name))


async def _run_online(url: str, target_metadata: list[MetaData], lock_name: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            if is_postgres(url):
                await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": zlib.crc32(lock_name.encode())})
                await connection.commit()
            await connection.run_sync(_migrate, target_metadata)
    finally:
        await engine.dispose()


def _migrate(connection: Connection, target_metadata: list[MetaData]) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables there.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
