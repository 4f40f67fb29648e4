"""Payment plans: schedule, next due date, missed installments, completion and default."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from patient_billing_svc.domain.plan import PaymentPlan, PlanFrequency, PlanStatus, PlanTermsInvalid

TODAY = date(2026, 1, 20)


def _plan(total: str = "250.00", installment: str = "100.00", frequency=PlanFrequency.MONTHLY,  # type: ignore[no-untyped-def]
          first: date = date(2026, 1, 31)) -> PaymentPlan:
    return PaymentPlan.agree(
        tenant_id="t", account_id=uuid.uuid4(), total=Decimal(total), installment_amount=Decimal(installment),
        frequency=frequency, first_due_on=first, today=TODAY, patient_due=Decimal("300.00"),
    )


def test_the_schedule_ends_with_what_remains_and_monthly_dates_keep_their_day():
    assert _plan().schedule() == [
        (date(2026, 1, 31), Decimal("100.00")), (date(2026, 2, 28), Decimal("100.00")),
        (date(2026, 3, 31), Decimal("50.00")),
    ]
    weekly = _plan(total="30", installment="10", frequency=PlanFrequency.BIWEEKLY, first=date(2026, 2, 1))
    assert [d for d, _ in weekly.schedule()] == [date(2026, 2, 1), date(2026, 2, 15), date(2026, 3, 1)]


def test_terms_are_checked_all_at_once():
    with pytest.raises(PlanTermsInvalid) as error:
        PaymentPlan.agree(tenant_id="t", account_id=uuid.uuid4(), total=Decimal("500"),
                          installment_amount=Decimal("0"), frequency=PlanFrequency.WEEKLY,
                          first_due_on=date(2026, 1, 1), today=TODAY, patient_due=Decimal("300"))
    assert [f for f, _ in error.value.problems] == ["total", "installment_amount", "first_due_on"]
    with pytest.raises(PlanTermsInvalid):
        _plan(total="100", installment="150")


def test_next_due_and_missed_installments_follow_the_payments():
    plan = _plan()
    on_time = plan.standing(paid=Decimal("100"), today=date(2026, 2, 5), grace_days=10)
    assert (on_time.missed_installments, on_time.next_due_on, on_time.next_installment) == \
        (0, date(2026, 2, 28), Decimal("100.00"))
    # Nothing paid: the January installment is missed once its grace days are over, not before.
    assert plan.standing(paid=Decimal(0), today=date(2026, 2, 10), grace_days=10).missed_installments == 0
    late = plan.standing(paid=Decimal(0), today=date(2026, 2, 11), grace_days=10)
    assert late.missed_installments == 1 and late.next_due_on == date(2026, 1, 31) and late.behind == Decimal("100.00")
    partly = plan.standing(paid=Decimal("150"), today=date(2026, 3, 20), grace_days=10)
    assert partly.missed_installments == 1 and partly.next_installment == Decimal("50.00")


def test_the_plan_job_defaults_a_plan_past_the_allowed_misses_and_completes_a_paid_one():
    plan = _plan()
    assert plan.check(paid=Decimal(0), patient_due=Decimal(250), today=date(2026, 2, 11), missed_allowed=1,
                      grace_days=10) == 1
    assert plan.status is PlanStatus.ACTIVE and plan.missed_installments == 1
    assert plan.check(paid=Decimal(0), patient_due=Decimal(250), today=date(2026, 2, 11), missed_allowed=1,
                      grace_days=10) == 0  # the same day again: nothing new
    assert plan.check(paid=Decimal(0), patient_due=Decimal(250), today=date(2026, 3, 11), missed_allowed=1,
                      grace_days=10) == 1
    assert plan.status is PlanStatus.DEFAULTED and plan.ended_on == date(2026, 3, 11)

    paid_up = _plan()
    paid_up.check(paid=Decimal(250), patient_due=Decimal(0), today=date(2026, 3, 1), missed_allowed=1, grace_days=10)
    assert paid_up.status is PlanStatus.COMPLETED


def test_only_an_active_plan_can_be_cancelled():
    plan = _plan()
    plan.cancel(TODAY)
    assert plan.status is PlanStatus.CANCELLED
    with pytest.raises(ValueError):
        plan.cancel(TODAY)
