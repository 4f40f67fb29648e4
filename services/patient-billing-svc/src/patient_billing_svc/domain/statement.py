"""What a statement says: per visit, what was charged, what insurance paid and adjusted, what the patient owes.

Built from the account's ledger (with its payment allocation), visits and payer answers as of the
statement date; the result is frozen into the statement when it is issued and rendered as JSON and
PDF. Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from openrcm_shared.contracts import Address, PartyName
from patient_billing_svc.domain.account import GuarantorAccount
from patient_billing_svc.domain.dunning import DunningStep
from patient_billing_svc.domain.ledger import (
    Aging, EntryType, Ledger, LedgerEntry, PatientShare, ZERO, money,
)
from patient_billing_svc.domain.plan import PaymentPlan, PlanStanding
from patient_billing_svc.domain.policy import BillingPolicy, HowToPay
from patient_billing_svc.domain.visit import PayerAnswer, Visit, VisitStatus


class StatementKind(StrEnum):
    STATEMENT = "statement"
    REMINDER = "reminder"
    FINAL_NOTICE = "final_notice"


_MESSAGES = {
    StatementKind.STATEMENT: "Thank you for choosing us. This is a statement of what you owe after insurance.",
    StatementKind.REMINDER: "REMINDER: your balance is past due. Please pay by the due date or call us to set up "
    "a payment plan.",
    StatementKind.FINAL_NOTICE: "FINAL NOTICE: your balance is seriously past due. If it is not paid or a payment "
    "plan agreed by the due date, the account may be referred to a collection agency.",
}


@dataclass(frozen=True)
class StatementVisit:
    visit_id: uuid.UUID
    encounter_id: uuid.UUID
    service_date: date | None
    payers: tuple[str, ...]
    #: "insurance_pending" (nothing due yet), "self_pay" or "patient_due".
    status: str
    charges: Decimal
    insurance_paid: Decimal
    insurance_adjusted: Decimal
    patient_share: PatientShare
    #: Self-pay charges the patient owes directly (no insurance involved).
    self_pay_charges: Decimal
    discounts_and_adjustments: Decimal
    payments: Decimal
    amount_due: Decimal


@dataclass(frozen=True)
class StatementPlan:
    installment_amount: Decimal
    next_due_on: date | None
    next_installment: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class StatementContent:
    kind: StatementKind
    statement_date: date
    due_date: date
    account_id: uuid.UUID
    patient_id: str
    guarantor_name: PartyName
    guarantor_address: Address | None
    visits: tuple[StatementVisit, ...]
    amount_due: Decimal
    insurance_pending: Decimal
    credit_balance: Decimal
    aging: Aging
    message: str
    how_to_pay: HowToPay
    plan: StatementPlan | None = None

    @property
    def pay_now(self) -> Decimal:
        """What to pay by the due date: the plan's next installment, or the whole balance."""
        if self.plan is not None:
            return min(self.plan.next_installment, self.amount_due)
        return self.amount_due


@dataclass(frozen=True)
class IssuedStatement:
    """A statement as issued: its header and its content frozen as JSON (what the PDF is rendered from)."""

    id: uuid.UUID
    account_id: uuid.UUID
    kind: StatementKind
    statement_date: date
    due_date: date
    amount_due: Decimal
    pay_now: Decimal
    #: cycle, on_demand or dunning.
    trigger: str
    content: dict[str, Any]
    issued_at: datetime


def kind_for(step: DunningStep) -> StatementKind:
    return StatementKind(step.value) if step.sends_notice else StatementKind.STATEMENT


def build_statement(
    *, kind: StatementKind, statement_date: date, account: GuarantorAccount, ledger: Ledger, visits: Iterable[Visit],
    answers: Iterable[PayerAnswer], policy: BillingPolicy, plan: tuple[PaymentPlan, PlanStanding] | None = None,
) -> StatementContent:
    allocation = ledger.allocation()
    entries = {e.id: e for e in ledger.entries}
    by_visit_answers: dict[uuid.UUID, list[PayerAnswer]] = {}
    for answer in answers:
        by_visit_answers.setdefault(answer.visit_id, []).append(answer)
    applied: dict[tuple[uuid.UUID | None, bool], Decimal] = {}
    for application in allocation.applications:
        is_payment = entries[application.credit_entry_id].entry_type is EntryType.PATIENT_PAYMENT
        key = (application.visit_id, is_payment)
        applied[key] = applied.get(key, ZERO) + application.amount

    lines = []
    for visit in sorted(visits, key=lambda v: (v.service_date_from or date.min, str(v.id))):
        due = allocation.open_for_visit(visit.id)
        if due <= ZERO and visit.status is not VisitStatus.CLAIM_PENDING:
            continue
        visit_entries = [e for e in ledger.entries if e.visit_id == visit.id and not _cancelled(ledger, e)]
        its_answers = by_visit_answers.get(visit.id, [])
        lines.append(StatementVisit(
            visit_id=visit.id, encounter_id=visit.encounter_id, service_date=visit.service_date_from,
            payers=tuple(dict.fromkeys(a.payer_name for a in its_answers)),
            status="insurance_pending" if visit.status is VisitStatus.CLAIM_PENDING else
            "self_pay" if visit.self_pay else "patient_due",
            charges=visit.total_charge,
            insurance_paid=money(sum((a.total_paid for a in its_answers), ZERO)),
            insurance_adjusted=money(sum((a.adjusted for a in its_answers), ZERO)),
            patient_share=_share(visit_entries),
            self_pay_charges=money(sum(
                (e.amount for e in visit_entries if e.entry_type is EntryType.PATIENT_CHARGE), ZERO)),
            discounts_and_adjustments=money(applied.get((visit.id, False), ZERO)),
            payments=money(applied.get((visit.id, True), ZERO)),
            amount_due=due,
        ))
    plan_part = None
    if plan is not None:
        agreed, standing = plan
        plan_part = StatementPlan(
            installment_amount=agreed.installment_amount, next_due_on=standing.next_due_on,
            next_installment=standing.next_installment, remaining=standing.remaining,
        )
    guarantor = account.guarantor
    return StatementContent(
        kind=kind, statement_date=statement_date, due_date=statement_date + timedelta(days=policy.payment_due_days),
        account_id=account.id, patient_id=account.patient_id, guarantor_name=guarantor.name,
        guarantor_address=guarantor.address, visits=tuple(lines), amount_due=ledger.patient_due,
        insurance_pending=money(sum((line.charges for line in lines if line.status == "insurance_pending"), ZERO)),
        credit_balance=ledger.credit_balance, aging=allocation.aging(statement_date), message=_MESSAGES[kind],
        how_to_pay=policy.how_to_pay, plan=plan_part,
    )


def _cancelled(ledger: Ledger, entry: LedgerEntry) -> bool:
    return entry.entry_type is EntryType.REVERSAL or ledger.is_reversed(entry)


def _share(entries: list[LedgerEntry]) -> PatientShare:
    shares = [e.patient_share for e in entries if e.patient_share is not None]
    return PatientShare(
        deductible=money(sum((s.deductible for s in shares), ZERO)),
        coinsurance=money(sum((s.coinsurance for s in shares), ZERO)),
        copay=money(sum((s.copay for s in shares), ZERO)),
        other=money(sum((s.other for s in shares), ZERO)),
    )

