from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine for a service database: PostgreSQL in production, SQLite embedded."""
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not the driver, decide when transactions begin (see the begin hook).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # WAL lets the API read while a consumer writes; busy_timeout waits instead of failing.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
            # Take the write lock at BEGIN so two writers queue up instead of deadlocking on upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pre-ping: it costs a round trip per checkout; a dead connection fails the use case, which
    # rolls back and is retried (consumer) or answered with a problem (API), and the pool replaces it.
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
