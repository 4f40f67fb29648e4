"""Helpers for statements the services build once and run many times."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, bindparam


def constant_in_sql(value: Any) -> BindParameter[Any]:
    """A constant of a statement written into its SQL text rather than sent as a parameter.

    asyncpg prepares each statement and PostgreSQL soon caches one plan for any parameter values; such a
    plan can use a partial index (``WHERE status = 'unmatched'``) only when the statement's own condition
    is in the text. Use it for constants that match a partial index's condition.
    """
    return bindparam(None, value, literal_execute=True)
