"""Payment plans: a total paid in installments on a schedule, and whether the guarantor keeps up.

Standing is derived from the plan and the payments made since it began; the day is always given.
Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from patient_billing_svc.domain.ledger import ZERO, money


class PlanFrequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class PlanStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    DEFAULTED = "defaulted"
    CANCELLED = "cancelled"


class PlanTermsInvalid(ValueError):
    """Terms that cannot make a plan; ``problems`` are (field, message) pairs, every one of them."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))
        self.problems = problems


def add_months(day: date, months: int, anchor_day: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PlanStanding:
    paid: Decimal
    #: What should have been paid by now (installments past their grace days).
    expected: Decimal
    missed_installments: int
    next_due_on: date | None
    next_installment: Decimal
    remaining: Decimal

    @property
    def behind(self) -> Decimal:
        return max(money(self.expected - self.paid), ZERO)


@dataclass
class PaymentPlan:
    id: uuid.UUID
    tenant_id: str
    account_id: uuid.UUID
    total: Decimal
    installment_amount: Decimal
    frequency: PlanFrequency
    first_due_on: date
    created_on: date
    status: PlanStatus = PlanStatus.ACTIVE
    #: Installments missed as of the last check (the plan job records each new one).
    missed_installments: int = 0
    ended_on: date | None = None

    @classmethod
    def agree(
        cls, *, tenant_id: str, account_id: uuid.UUID, total: Decimal, installment_amount: Decimal,
        frequency: PlanFrequency, first_due_on: date, today: date, patient_due: Decimal,
    ) -> PaymentPlan:
        total, installment_amount = money(total), money(installment_amount)
        problems: list[tuple[str, str]] = []
        if total <= ZERO:
            problems.append(("total", "must be more than 0"))
        elif total > patient_due:
            problems.append(("total", "is more than the guarantor owes now"))
        if installment_amount <= ZERO:
            problems.append(("installment_amount", "must be more than 0"))
        elif total > ZERO and installment_amount > total:
            problems.append(("installment_amount", "is more than the plan's total"))
        if first_due_on < today:
            problems.append(("first_due_on", "is in the past"))
        if problems:
            raise PlanTermsInvalid(problems)
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, account_id=account_id, total=total,
            installment_amount=installment_amount, frequency=frequency, first_due_on=first_due_on, created_on=today,
        )

    @property
    def installment_count(self) -> int:
        return int((self.total / self.installment_amount).to_integral_value(rounding=ROUND_CEILING))

    @property
    def is_active(self) -> bool:
        return self.status is PlanStatus.ACTIVE

    def due_dates(self) -> Iterator[date]:
        for n in range(self.installment_count):
            if self.frequency is PlanFrequency.MONTHLY:
                yield add_months(self.first_due_on, n, self.first_due_on.day)
            else:
                yield self.first_due_on + timedelta(weeks=n * (1 if self.frequency is PlanFrequency.WEEKLY else 2))

    def schedule(self) -> list[tuple[date, Decimal]]:
        """(due date, installment) pairs; the last installment is what remains of the total."""
        left, rows = self.total, []
        for due in self.due_dates():
            amount = min(self.installment_amount, left)
            rows.append((due, amount))
            left -= amount
        return rows

    def owed_by(self, day: date) -> Decimal:
        """What the schedule asks to have been paid by the end of ``day``."""
        return money(sum((amount for due, amount in self.schedule() if due <= day), ZERO))

    def standing(self, *, paid: Decimal, today: date, grace_days: int) -> PlanStanding:
        """``paid``: the guarantor's payments since the plan began (net of reversed ones)."""
        paid = money(paid)
        late_by = today - timedelta(days=grace_days)
        cumulative, missed, next_due, next_amount = ZERO, 0, None, ZERO
        for due, amount in self.schedule():
            cumulative += amount
            if paid >= cumulative:
                continue
            if next_due is None:  # the oldest installment not fully paid
                next_due, next_amount = due, money(cumulative - paid)
            if due < late_by:
                missed += 1
        return PlanStanding(
            paid=paid, expected=self.owed_by(late_by - timedelta(days=1)), missed_installments=missed,
            next_due_on=next_due, next_installment=next_amount, remaining=max(money(self.total - paid), ZERO),
        )

    def check(self, *, paid: Decimal, patient_due: Decimal, today: date, missed_allowed: int, grace_days: int) -> int:
        """The plan job's look at an active plan: completes or defaults it. Returns the newly missed installments."""
        if not self.is_active:
            return 0
        standing = self.standing(paid=paid, today=today, grace_days=grace_days)
        newly_missed = max(standing.missed_installments - self.missed_installments, 0)
        self.missed_installments = standing.missed_installments
        if standing.remaining == ZERO or patient_due <= ZERO:
            self._end(PlanStatus.COMPLETED, today)
        elif standing.missed_installments > missed_allowed:
            self._end(PlanStatus.DEFAULTED, today)
        return newly_missed

    def cancel(self, today: date) -> None:
        if not self.is_active:
            raise ValueError("only an active plan can be cancelled")
        self._end(PlanStatus.CANCELLED, today)

    def _end(self, status: PlanStatus, today: date) -> None:
        self.status, self.ended_on = status, today
