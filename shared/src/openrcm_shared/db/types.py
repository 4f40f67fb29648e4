"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Numeric, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


_CENT = Decimal("0.01")


class _DecimalAsCents(TypeDecorator[Decimal]):
    """SQLite has no exact decimal type: money is stored as whole cents in an INTEGER column.

    Integers keep amounts exact and make SQL comparisons, ORDER BY and SUM numeric (an earlier
    text column compared '38.40' < '5.00').
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("length", None)  # migrations written for the text column pass length=32
        super().__init__()

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return int(Decimal(value).quantize(_CENT) * 100)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else (Decimal(int(value)) / 100).quantize(_CENT)


#: The name the frozen migrations of 2026-11 import; it now stores cents (a fresh SQLite file is needed).
_DecimalAsText = _DecimalAsCents


#: Money: NUMERIC(14,2) on PostgreSQL, whole cents on SQLite; always Decimal in Python.
Money = Numeric(14, 2, asdecimal=True).with_variant(_DecimalAsCents(), "sqlite")


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
