"""Dunning moves on the tenant's days (the day is given, never slept for), holds, and clears."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from patient_billing_svc.domain.dunning import (
    DunningOutcome, DunningState, DunningStep, Hold, decide_dunning,
)
from patient_billing_svc.domain.policy import BillingPolicy

POLICY = BillingPolicy(reminder_after_days=30, final_notice_after_days=20, collections_after_days=15,
                       minimum_statement_balance=Decimal("5.00"))
FIRST = date(2026, 3, 1)
OWES = Decimal("120.00")


def _decide(state: DunningState, today: date, *, due: Decimal = OWES, holds=frozenset()):  # type: ignore[no-untyped-def]
    return decide_dunning(state, today=today, patient_due=due, policy=POLICY, holds=holds)


def test_the_first_statement_starts_dunning_and_a_later_one_does_not_restart_it():
    state = DunningState().started_by_statement(FIRST)
    assert state == DunningState(DunningStep.STATEMENT, FIRST)
    assert state.started_by_statement(FIRST + timedelta(days=31)) == state


def test_each_step_comes_on_its_day_not_a_day_before():
    state = DunningState(DunningStep.STATEMENT, FIRST)
    walk = []
    day = FIRST
    while state.step is not DunningStep.COLLECTIONS:
        day += timedelta(days=1)
        decision = _decide(state, day)
        if decision.outcome is DunningOutcome.ADVANCED:
            walk.append((decision.state.step, (day - FIRST).days))
        state = decision.state
    assert walk == [(DunningStep.REMINDER, 30), (DunningStep.FINAL_NOTICE, 50), (DunningStep.COLLECTIONS, 65)]


def test_running_the_job_twice_on_a_day_moves_once():
    state = DunningState(DunningStep.STATEMENT, FIRST)
    day = FIRST + timedelta(days=30)
    once = _decide(state, day).state
    assert once.step is DunningStep.REMINDER
    assert _decide(once, day).outcome is DunningOutcome.NOT_DUE


def test_a_job_that_missed_days_moves_one_step_per_run():
    state = DunningState(DunningStep.STATEMENT, FIRST)
    decision = _decide(state, FIRST + timedelta(days=200))
    assert decision.state.step is DunningStep.REMINDER


@pytest.mark.parametrize("hold", list(Hold))
def test_a_held_account_does_not_move_on(hold):
    state = DunningState(DunningStep.REMINDER, FIRST)
    decision = _decide(state, FIRST + timedelta(days=90), holds=frozenset({hold}))
    assert decision.outcome is DunningOutcome.HELD and decision.state == state


@pytest.mark.parametrize("step", [DunningStep.STATEMENT, DunningStep.FINAL_NOTICE, DunningStep.COLLECTIONS])
def test_a_balance_paid_below_the_minimum_clears_dunning(step):
    decision = _decide(DunningState(step, FIRST), FIRST + timedelta(days=1), due=Decimal("4.99"))
    assert decision.outcome is DunningOutcome.CLEARED and decision.state == DunningState()


def test_collections_is_the_last_step_and_no_dunning_means_nothing_to_do():
    assert _decide(DunningState(DunningStep.COLLECTIONS, FIRST), FIRST + timedelta(days=400)).outcome \
        is DunningOutcome.NOT_DUE
    assert _decide(DunningState(), FIRST).outcome is DunningOutcome.NOT_DUE
