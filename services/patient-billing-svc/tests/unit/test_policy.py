"""Tenant policy: cycle days, self-pay discount, small balances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from patient_billing_svc.domain.policy import BillingPolicy


def test_cycle_days_past_the_month_end_fall_on_its_last_day():
    policy = BillingPolicy(statement_cycle_days=(15, 31))
    assert policy.is_cycle_day(date(2026, 1, 15)) and policy.is_cycle_day(date(2026, 1, 31))
    assert policy.is_cycle_day(date(2026, 2, 28)) and not policy.is_cycle_day(date(2026, 2, 27))
    assert not policy.is_cycle_day(date(2026, 1, 30))


def test_self_pay_discount_is_a_percent_of_billed_charges_in_cents():
    assert BillingPolicy().self_pay_discount(Decimal("165.00")) == Decimal("0.00")
    policy = BillingPolicy(self_pay_discount_percent=Decimal("30"))
    assert policy.self_pay_discount(Decimal("165.00")) == Decimal("49.50")
    assert BillingPolicy(self_pay_discount_percent=Decimal("12.5")).self_pay_discount(Decimal("0.99")) \
        == Decimal("0.12")


def test_small_balances_are_below_the_threshold_and_above_zero():
    policy = BillingPolicy(small_balance_write_off_below=Decimal("5.00"))
    assert policy.is_small_balance(Decimal("4.99"))
    assert not policy.is_small_balance(Decimal("5.00")) and not policy.is_small_balance(Decimal("0.00"))
    assert not BillingPolicy().is_small_balance(Decimal("0.01"))  # 0 turns the write-off off
