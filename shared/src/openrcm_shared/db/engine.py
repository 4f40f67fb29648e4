from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util import await_only
from sqlalchemy.util.queue import Empty, Full, QueueCommon

log = logging.getLogger(__name__)


class FairConnectionQueue(QueueCommon[ConnectionPoolEntry]):
    """The pool's idle connections, handed out first come, first served.

    SQLAlchemy's asyncio queue lets a newcomer take a connection that was just returned while the
    requests already waiting for one are being woken, and a woken request that lost that race waits
    again at the back: under load a few requests waited many times the median (p99 several times
    p50). Here a returned connection goes straight to the longest waiter.
    """

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo
        self._idle: deque[ConnectionPoolEntry] = deque()
        self._waiters: deque[asyncio.Future[ConnectionPoolEntry]] = deque()

    @property
    def waiting(self) -> int:
        """Requests waiting for a connection."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    def empty(self) -> bool:
        return not self._idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._idle)

    def qsize(self) -> int:
        return len(self._idle)

    def put_nowait(self, item: ConnectionPoolEntry) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # skip waiters that gave up (timed out, cancelled)
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._idle.append(item)

    def put(self, item: ConnectionPoolEntry, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool returns connections without blocking; a full queue raises Full

    def get_nowait(self) -> ConnectionPoolEntry:
        if not self._idle:
            raise Empty()
        return self._idle.pop() if self.use_lifo else self._idle.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> ConnectionPoolEntry:
        if self._idle or not block:
            return self.get_nowait()  # idle connections exist only while nobody waits
        return await_only(self._wait(timeout))

    async def _wait(self, timeout: float | None) -> ConnectionPoolEntry:
        waiter: asyncio.Future[ConnectionPoolEntry] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed one just as we gave up: pass it on
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                raise Empty() from None
            raise


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    """``AsyncAdaptedQueuePool`` whose waiting requests get connections in arrival order."""

    _queue_class: Any = FairConnectionQueue


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
    return create_async_engine(
        url, poolclass=FairAsyncQueuePool, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
    )


AUTOVACUUM_OFF_WARNING = (
    "PostgreSQL runs with autovacuum off: nothing analyzes or vacuums this service's tables, so the plans "
    "its prepared statements keep stay those made for empty tables (lookups that walk a whole tenant's rows) "
    "and dead row versions pile up; turn autovacuum on, or VACUUM (ANALYZE) this database regularly"
)


async def warn_if_autovacuum_off(engine: AsyncEngine) -> bool:
    """Log a warning when the service's PostgreSQL server does not autovacuum; True if it warned.

    The services' statements are prepared once per connection and their plans cached, so they rely on
    the statistics autovacuum keeps (bench runs on a server without it slowed down as tables grew).
    """
    if engine.dialect.name != "postgresql":
        return False
    try:
        async with engine.connect() as connection:
            setting = (await connection.execute(text("SHOW autovacuum"))).scalar_one()
    except Exception:  # noqa: BLE001 - a diagnostic: a database not reachable yet must not stop the start-up
        log.info("autovacuum setting not checked: database not reachable", exc_info=True)
        return False
    if setting == "on":
        return False
    log.warning(AUTOVACUUM_OFF_WARNING, extra={"autovacuum": setting})
    return True
