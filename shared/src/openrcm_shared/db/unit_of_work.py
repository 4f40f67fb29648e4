"""One use case = one transaction.

A ``UnitOfWork`` rolls back unless ``commit()`` is called. Events emitted and audit entries
recorded during the use case are written in the same transaction as the state change (the
transactional outbox), so either all of it happens or none of it does.

They are written by ``flush()`` (which ``commit()`` calls) together with any rows queued with
``write_at_commit``: on PostgreSQL in one statement, one round trip, when there is at most one row
per table (the common case: a state change, its event, its audit entry).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, Table, bindparam, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from openrcm_shared.contracts.envelope import EventEnvelope
from openrcm_shared.db.tables import audit_log, outbox_events
from openrcm_shared.db.types import utcnow
from openrcm_shared.observability import current_correlation_id

# Built once: executed with parameter lists they hit SQLAlchemy's compiled-statement cache directly.
_INSERT_OUTBOX = insert(outbox_events)
_INSERT_AUDIT = insert(audit_log)


@lru_cache(maxsize=64)
def _one_statement_insert(shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> Insert:
    """One statement inserting one row per ``(table, columns)`` of ``shape``: a single-row INSERT each,
    all but the last as data-modifying CTEs (PostgreSQL runs them as one statement and checks
    constraints at its end). Single-row ones because SQLAlchemy cannot cache a multi-row VALUES.
    Parameters are named ``r<index>_<column>``; the statement is cached per shape."""
    inserts = [
        insert(table).values({column: bindparam(f"r{index}_{column}", type_=table.c[column].type) for column in columns})
        for index, (table, columns) in enumerate(shape)
    ]
    *ctes, statement = inserts
    for index, cte in enumerate(ctes):
        statement = statement.add_cte(cte.cte(f"row_{index}"))
    return statement


class UnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], on_commit: Callable[[], None] | None = None):
        self._session_factory = session_factory
        self._on_commit = on_commit
        self._rows: list[tuple[Table, dict[str, Any]]] = []
        self._outbox: list[dict[str, Any]] = []
        self._audit: list[dict[str, Any]] = []
        self._flushed_events = False
        self.committed = False

    async def __aenter__(self) -> "UnitOfWork":
        self.session = self._session_factory()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if not self.committed:
                await self.session.rollback()
        finally:
            await self.session.close()

    def write_at_commit(self, table: Table, row: dict[str, Any]) -> None:
        """Queue a row to insert with the events and audit entries, by ``flush()`` or ``commit()``:
        one round trip instead of one more statement. Only for a row nothing in this transaction reads
        or references before then (call ``flush()`` first otherwise); rows referencing each other may
        be queued together. A constraint it breaks (a duplicate key) raises from ``flush``/``commit``."""
        self._rows.append((table, row))

    def emit(self, envelope: EventEnvelope) -> None:
        """Queue an event for the outbox; it is written by ``commit()`` with the state change."""
        self._outbox.append(
            {
                "event_id": envelope.event_id,
                "tenant_id": envelope.tenant_id,
                "topic": envelope.topic,
                "message_key": envelope.message_key,
                "envelope": envelope.model_dump_json(),
                "created_at": utcnow(),
            }
        )

    def audit(
        self, *, tenant_id: str, actor: str, action: str, entity_type: str, entity_id: object,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record who read or changed patient data. Details hold ids and codes, never PHI."""
        self._audit.append(
            {
                "tenant_id": tenant_id,
                "actor": actor,
                "action": action,
                "entity_type": entity_type,
                "entity_id": str(entity_id),
                "correlation_id": current_correlation_id(),
                "at": utcnow(),
                "details": json.loads(json.dumps(details, default=str)) if details else None,
            }
        )

    def separate_session(self) -> AsyncSession:
        """A session outside this unit of work's transaction, for the rare write that must be visible to
        other requests before this one commits (claiming an Idempotency-Key). Use it before this unit
        of work touches the database: on SQLite a second writer would wait for the first."""
        return self._session_factory()

    async def rollback(self) -> None:
        """Undo the transaction so far, and forget the rows, events and audit entries queued with it, so
        the use case can start over (e.g. after losing an insert race)."""
        await self.session.rollback()
        self._rows, self._outbox, self._audit = [], [], []
        self._flushed_events = False

    async def flush(self) -> None:
        """Write the queued rows, events and audit entries into the transaction now (still uncommitted,
        rolled back with it): before a statement that reads or references a queued row, or for a use
        case that emits too many events to hold them all until commit."""
        rows = [*self._rows, *((outbox_events, row) for row in self._outbox), *((audit_log, row) for row in self._audit)]
        if not rows:
            return
        if self._in_one_statement(rows):
            shape = tuple((table, tuple(row)) for table, row in rows)
            params = {f"r{index}_{column}": value for index, (_, row) in enumerate(rows) for column, value in row.items()}
            await self.session.execute(_one_statement_insert(shape), params)
        else:
            for table, row in self._rows:
                await self.session.execute(insert(table), row)
            if self._outbox:
                await self.session.execute(_INSERT_OUTBOX, self._outbox)
            if self._audit:
                await self.session.execute(_INSERT_AUDIT, self._audit)
        self._flushed_events = self._flushed_events or bool(self._outbox)
        self._rows, self._outbox, self._audit = [], [], []

    def _in_one_statement(self, rows: list[tuple[Table, dict[str, Any]]]) -> bool:
        """All in one round trip: on PostgreSQL (data-modifying CTEs), with at most one row per table.
        PostgreSQL runs the CTEs in no set order, so two rows of one table (two events) could get their
        ids out of order; those go in one statement per table, in order, as the relay publishes them."""
        return (
            len({table for table, _ in rows}) == len(rows)
            and self.session.bind is not None and self.session.bind.dialect.name == "postgresql"
        )

    async def commit(self) -> None:
        had_events = bool(self._outbox) or self._flushed_events
        await self.flush()
        await self.session.commit()
        self.committed = True
        self._flushed_events = False
        if had_events and self._on_commit is not None:
            self._on_commit()


class UnitOfWorkFactory:
    """Makes a fresh ``UnitOfWork`` per use case; wakes the outbox relay after commits that emit."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]):
        self.session_factory = session_factory
        self._listeners: list[Callable[[], None]] = []

    def on_commit(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def notify_committed(self) -> None:
        """Events were committed outside a ``UnitOfWork.commit()`` (the consumer's shared transaction)."""
        for listener in self._listeners:
            listener()

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, on_commit=self.notify_committed)
