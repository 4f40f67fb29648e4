"""A tenant's patient-billing policy: statement cycle, dunning days, self-pay discount, write-off threshold.

Pure domain code: no FastAPI, SQLAlchemy or Kafka here. A tenant that never set a policy gets
``BillingPolicy()`` (the defaults below).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from patient_billing_svc.domain.ledger import ZERO, money


@dataclass(frozen=True)
class HowToPay:
    """Printed on every statement."""

    practice_name: str = "Your care provider"
    online_url: str | None = None
    phone: str | None = None
    mail_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class BillingPolicy:
    #: Days of the month statements are run on; a day past the month's end means its last day.
    statement_cycle_days: tuple[int, ...] = (1,)
    #: Guarantors owing less get no statement (and dunning stops below it).
    minimum_statement_balance: Decimal = Decimal("5.00")
    #: Due date = statement date + this many days.
    payment_due_days: int = 21
    #: Dunning: days from the first statement to the reminder, from it to the final notice, from it to collections.
    reminder_after_days: int = 30
    final_notice_after_days: int = 30
    collections_after_days: int = 30
    #: Percent off the billed charges of a visit without coverage.
    self_pay_discount_percent: Decimal = Decimal("0.00")
    #: Balances below this are written off by the small-balance job; 0 turns it off.
    small_balance_write_off_below: Decimal = Decimal("0.00")
    #: A payment plan defaults when more installments than this are missed.
    missed_installments_allowed: int = 1
    #: An installment counts as missed this many days after its due date.
    installment_grace_days: int = 10
    how_to_pay: HowToPay = field(default_factory=HowToPay)

    def is_cycle_day(self, day: date) -> bool:
        last = calendar.monthrange(day.year, day.month)[1]
        return any(min(cycle_day, last) == day.day for cycle_day in self.statement_cycle_days)

    def self_pay_discount(self, billed_charges: Decimal) -> Decimal:
        """The amount taken off a self-pay visit's billed charges."""
        if self.self_pay_discount_percent <= 0:
            return ZERO
        return money(Decimal(billed_charges) * self.self_pay_discount_percent / 100)

    def is_small_balance(self, patient_due: Decimal) -> bool:
        return ZERO < patient_due < self.small_balance_write_off_below
