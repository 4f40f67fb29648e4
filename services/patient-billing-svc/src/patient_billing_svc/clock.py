"""The clock use cases read "today" from, injected so that dunning and plan jobs are tested without sleeping.

The app keeps one in ``app.state.clock`` (``SystemClock`` unless a test sets a ``FixedClock``);
routes get it through ``ClockDep``. Days are UTC days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Protocol

from openrcm_shared.db import utcnow


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    def now(self) -> datetime:
        return utcnow()

    def today(self) -> date:
        return utcnow().date()


@dataclass
class FixedClock:
    """A clock that says what it is told (tests move it with ``day``)."""

    day: date

    def now(self) -> datetime:
        return datetime.combine(self.day, time(12, 0), tzinfo=timezone.utc)

    def today(self) -> date:
        return self.day
