"""One use case = one transaction.

A ``UnitOfWork`` rolls back unless ``commit()`` is called. Events emitted and audit entries
recorded during the use case are written in the same transaction as the state change (the
transactional outbox), so either all of it happens or none of it does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from openrcm_shared.contracts.envelope import EventEnvelope
from openrcm_shared.db.tables import audit_log, outbox_events
from openrcm_shared.db.types import utcnow
from openrcm_shared.observability import current_correlation_id


class UnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], on_commit: Callable[[], None] | None = None):
        self._session_factory = session_factory
        self._on_commit = on_commit
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
        """Undo the transaction so far, and forget the events and audit entries queued with it, so the
        use case can start over (e.g. after losing an insert race)."""
        await self.session.rollback()
        self._outbox, self._audit = [], []
        self._flushed_events = False

    async def flush(self) -> None:
        """Write the events and audit entries queued so far into the transaction now (still uncommitted,
        rolled back with it), for a use case that emits too many events to hold them all until commit."""
        if self._outbox:
            await self.session.execute(insert(outbox_events), self._outbox)
            self._flushed_events = True
        if self._audit:
            await self.session.execute(insert(audit_log), self._audit)
        self._outbox, self._audit = [], []

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

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, on_commit=self._notify)
