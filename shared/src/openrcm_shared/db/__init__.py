"""Database platform: engines, column types, the unit of work and the platform tables."""

from openrcm_shared.db.engine import create_engine, is_postgres, is_sqlite
from openrcm_shared.db.types import Money, UTCDateTime, JSONDocument, utcnow
from openrcm_shared.db.tables import platform_metadata, outbox_events, inbox_events, audit_log, idempotency_keys
from openrcm_shared.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from openrcm_shared.db.statements import constant_in_sql

__all__ = [
    "create_engine", "is_postgres", "is_sqlite", "Money", "UTCDateTime", "JSONDocument", "utcnow",
    "platform_metadata", "outbox_events", "inbox_events", "audit_log", "idempotency_keys", "UnitOfWork", "UnitOfWorkFactory",
    "constant_in_sql",
]
