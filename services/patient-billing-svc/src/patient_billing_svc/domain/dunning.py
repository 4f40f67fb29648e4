"""Dunning: first statement, reminder, final notice, then hand-off to collections.

Each step comes a tenant-set number of days after the previous one; the day is always given
(``today``), never read from a clock, so the schedule is tested without waiting. Pure domain code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from patient_billing_svc.domain.policy import BillingPolicy


class DunningStep(StrEnum):
    NONE = "none"
    STATEMENT = "statement"
    REMINDER = "reminder"
    FINAL_NOTICE = "final_notice"
    COLLECTIONS = "collections"

    @property
    def sends_notice(self) -> bool:
        """Steps that mail the guarantor a statement-like notice."""
        return self in (DunningStep.REMINDER, DunningStep.FINAL_NOTICE)


class Hold(StrEnum):
    """Why an account's dunning does not move on."""

    PAYMENT_PLAN = "payment_plan"
    DISPUTE = "dispute"


#: Each step and the one after it.
_NEXT = {
    DunningStep.STATEMENT: DunningStep.REMINDER,
    DunningStep.REMINDER: DunningStep.FINAL_NOTICE,
    DunningStep.FINAL_NOTICE: DunningStep.COLLECTIONS,
}


@dataclass(frozen=True)
class DunningState:
    step: DunningStep = DunningStep.NONE
    #: The day the account reached ``step``.
    since: date | None = None

    def started_by_statement(self, on: date) -> DunningState:
        """A statement was issued: dunning starts with it unless it is already under way."""
        return self if self.step is not DunningStep.NONE else DunningState(DunningStep.STATEMENT, on)

    def next_step_due_on(self, policy: BillingPolicy) -> date | None:
        if self.step not in _NEXT or self.since is None:
            return None
        wait = {
            DunningStep.STATEMENT: policy.reminder_after_days,
            DunningStep.REMINDER: policy.final_notice_after_days,
            DunningStep.FINAL_NOTICE: policy.collections_after_days,
        }[self.step]
        return self.since + timedelta(days=wait)


class DunningOutcome(StrEnum):
    ADVANCED = "advanced"
    CLEARED = "cleared"
    HELD = "held"
    NOT_DUE = "not_due"


@dataclass(frozen=True)
class DunningDecision:
    outcome: DunningOutcome
    state: DunningState


def decide_dunning(
    state: DunningState, *, today: date, patient_due: Decimal, policy: BillingPolicy, holds: frozenset[Hold],
) -> DunningDecision:
    """What the dunning job does with one account today.

    - A balance paid (or written) down below the statement minimum clears dunning, from any step.
    - A held account (payment plan in good standing, disputed balance) does not move on.
    - Otherwise the next step comes on or after its day: one step per run, so a job that missed
      days never skips a notice the guarantor should have had.
    """
    if state.step is DunningStep.NONE:
        return DunningDecision(DunningOutcome.NOT_DUE, state)
    if patient_due < policy.minimum_statement_balance:
        return DunningDecision(DunningOutcome.CLEARED, DunningState())
    due_on = state.next_step_due_on(policy)
    if due_on is None or today < due_on:
        return DunningDecision(DunningOutcome.NOT_DUE, state)
    if holds:
        return DunningDecision(DunningOutcome.HELD, state)
    return DunningDecision(DunningOutcome.ADVANCED, DunningState(_NEXT[state.step], today))
