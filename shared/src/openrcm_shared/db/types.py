"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric, String, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class _DecimalAsText(TypeDecorator[Decimal]):
    """SQLite has no exact decimal type; keep money exact by storing its text."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


#: Money: NUMERIC(14,2) on PostgreSQL, exact text on SQLite; always Decimal in Python.
Money = Numeric(14, 2, asdecimal=True).with_variant(_DecimalAsText(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; use timezone-aware UTC")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


#: JSON documents: JSONB on PostgreSQL, JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")
