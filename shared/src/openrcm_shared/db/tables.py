"""Platform tables every service database has: outbox, inbox, audit log and idempotency keys.

They live in their own MetaData; each service's Alembic environment targets its own metadata
plus this one, so the tables are created by the service's migrations.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, CheckConstraint, Column, Index, Integer, MetaData, SmallInteger, String, Table, Text, Uuid, text,
)

from openrcm_shared.db.types import JSONDocument, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

platform_metadata = MetaData(naming_convention=NAMING_CONVENTION)

# BigInteger ids are INTEGER on SQLite so they autoincrement there too.
_Id = BigInteger().with_variant(Integer(), "sqlite")

outbox_events = Table(
    "outbox_events",
    platform_metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("tenant_id", String(64), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("message_key", String(300), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("leased_until", UTCDateTime, nullable=True),
    Column("leased_by", String(80), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
)
# The relay scans only unpublished rows; a partial index keeps that scan small on PostgreSQL.
Index(
    "ix_outbox_events_unpublished",
    outbox_events.c.id,
    postgresql_where=outbox_events.c.published_at.is_(None),
    sqlite_where=outbox_events.c.published_at.is_(None),
)

inbox_events = Table(
    "inbox_events",
    platform_metadata,
    Column("consumer", String(120), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("handled_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    platform_metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("entity_type", String(60), nullable=False),
    Column("entity_id", String(120), nullable=False),
    Column("correlation_id", String(128), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("details", JSONDocument, nullable=True),
)

#: Idempotency-Key of REST writes, scoped to tenant + client (the token subject); see
#: ``openrcm_shared.idempotency``. ``created_at`` is when the current attempt began: it is also the
#: attempt's fencing token, so a stale attempt that was taken over cannot store its response.
idempotency_keys = Table(
    "idempotency_keys",
    platform_metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("client", String(200), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("response_status", SmallInteger, nullable=True),
    Column("response_headers", Text, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    CheckConstraint("status IN ('in_progress', 'completed')", name="status"),
)
