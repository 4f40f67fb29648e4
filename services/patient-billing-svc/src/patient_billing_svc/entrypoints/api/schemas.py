"""HTTP response bodies of patient-billing-svc (separate from tables and event contracts).

Money is a Decimal, a string on the wire.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from openrcm_shared.contracts import Address, PartyName
from patient_billing_svc.application.job_report import JobReport
from patient_billing_svc.application.payments import Posted
from patient_billing_svc.application.queries import AccountView
from patient_billing_svc.domain.account import AccountStatus, GuarantorAccount
from patient_billing_svc.domain.ledger import money, AdjustmentReason, Aging, Allocation, Application, LedgerEntry, PaymentMethod
from patient_billing_svc.domain.plan import PaymentPlan, PlanFrequency, PlanStanding, PlanStatus
from patient_billing_svc.domain.policy import BillingPolicy, HowToPay
from patient_billing_svc.domain.refund import RefundItem, RefundStatus
from patient_billing_svc.domain.statement import IssuedStatement, StatementContent, StatementKind
from patient_billing_svc.domain.visit import Visit

PositiveAmount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GuarantorOut(BaseModel):
    name: PartyName
    address: Address | None
    is_patient: bool = Field(description="True when the patient is their own guarantor.")


class AccountOut(BaseModel):
    id: uuid.UUID
    patient_id: str
    guarantor: GuarantorOut
    balance: Decimal = Field(description="Sum of the ledger entries; negative when the guarantor holds a credit.")
    patient_due: Decimal = Field(description="What the guarantor owes now (never negative).")
    credit_balance: Decimal = Field(description="What the practice owes the guarantor (never negative).")
    insurance_pending: Decimal = Field(
        description="Charges of insured visits the payer has not answered yet: shown, never due from the patient."
    )
    oldest_open_on: date | None = Field(description="Posting date of the oldest charge still open (aging).")
    statuses: list[AccountStatus]
    dunning_step: str
    dunning_since: date | None
    disputed_on: date | None
    active_plan_id: uuid.UUID | None

    @classmethod
    def of(cls, account: GuarantorAccount) -> "AccountOut":
        g = account.guarantor
        return cls(
            id=account.id, patient_id=account.patient_id,
            guarantor=GuarantorOut(name=g.name, address=g.address, is_patient=g.is_patient),
            balance=account.balance, patient_due=account.patient_due,
            credit_balance=max(-account.balance, Decimal("0.00")), insurance_pending=account.insurance_pending,
            oldest_open_on=account.oldest_open_on, statuses=account.statuses, dunning_step=account.dunning.step.value,
            dunning_since=account.dunning.since, disputed_on=account.disputed_on,
            active_plan_id=account.active_plan_id,
        )


class AgingOut(BaseModel):
    days_0_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_91_120: Decimal
    over_120: Decimal

    @classmethod
    def of(cls, aging: Aging) -> "AgingOut":
        return cls(
            days_0_30=aging.days_0_30, days_31_60=aging.days_31_60, days_61_90=aging.days_61_90,
            days_91_120=aging.days_91_120, over_120=aging.over_120,
        )


class PatientShareOut(BaseModel):
    deductible: Decimal
    coinsurance: Decimal
    copay: Decimal
    other: Decimal


class EntryOut(BaseModel):
    id: uuid.UUID
    entry_type: str
    amount: Decimal = Field(description="Positive: owed by the guarantor; negative: owed less.")
    entry_date: date
    visit_id: uuid.UUID | None
    encounter_id: uuid.UUID | None
    patient_share: PatientShareOut | None
    payer_id: str | None
    claim_id: uuid.UUID | None
    remit_claim_id: uuid.UUID | None
    reverses_entry_id: uuid.UUID | None
    method: PaymentMethod | None
    reference: str | None
    reason: AdjustmentReason | None
    open_amount: Decimal | None = Field(
        default=None, description="Charges: what is still unpaid after payments and adjustments (oldest first)."
    )

    @classmethod
    def of(cls, entry: LedgerEntry, allocation: Allocation | None = None) -> "EntryOut":
        share, remit = entry.patient_share, entry.remit
        opened = {i.entry.id: i.open for i in allocation.items} if allocation else {}
        return cls(
            id=entry.id, entry_type=entry.entry_type.value, amount=entry.amount, entry_date=entry.entry_date,
            visit_id=entry.visit_id, encounter_id=entry.encounter_id,
            patient_share=PatientShareOut(
                deductible=share.deductible, coinsurance=share.coinsurance, copay=share.copay, other=share.other
            ) if share else None,
            payer_id=remit.payer_id if remit else None,
            claim_id=remit.claim_id if remit else None,
            remit_claim_id=remit.remit_claim_id if remit else None,
            reverses_entry_id=entry.reverses_entry_id, method=entry.method, reference=entry.reference,
            reason=entry.reason, open_amount=opened.get(entry.id),
        )


class VisitOut(BaseModel):
    id: uuid.UUID
    encounter_id: uuid.UUID
    revision: int
    service_date_from: date | None
    service_date_to: date | None
    self_pay: bool
    coverage_sequences: list[str]
    status: str
    total_charge: Decimal
    insurance_pending: Decimal
    adjudicated_on: date | None

    @classmethod
    def of(cls, visit: Visit) -> "VisitOut":
        return cls(
            id=visit.id, encounter_id=visit.encounter_id, revision=visit.revision,
            service_date_from=visit.service_date_from, service_date_to=visit.service_date_to,
            self_pay=visit.self_pay, coverage_sequences=list(visit.coverage_sequences), status=visit.status.value,
            total_charge=visit.total_charge, insurance_pending=visit.insurance_pending,
            adjudicated_on=visit.adjudicated_on,
        )


class AccountViewOut(AccountOut):
    as_of: date = Field(description="The day balances and aging are computed for.")
    aging: AgingOut
    entries: list[EntryOut] = Field(description="The ledger, oldest first. Entries are never edited, only reversed.")
    visits: list[VisitOut]

    @classmethod
    def of_view(cls, view: AccountView) -> "AccountViewOut":
        header = AccountOut.of(view.account)
        allocation = view.ledger.allocation()
        return cls(
            **header.model_dump(exclude={"balance", "patient_due", "credit_balance", "insurance_pending"}),
            as_of=view.as_of, balance=view.balance, patient_due=view.patient_due,
            credit_balance=view.ledger.credit_balance, insurance_pending=view.insurance_pending,
            aging=AgingOut.of(allocation.aging(view.as_of)),
            entries=[EntryOut.of(e, allocation) for e in view.ledger.entries],
            visits=[VisitOut.of(v) for v in view.visits],
        )


# ------------------------------------------------------------------ payments, adjustments, refunds
class PaymentIn(_In):
    amount: PositiveAmount
    method: PaymentMethod
    received_on: date | None = Field(default=None, description="Defaults to today; never in the future.")
    reference: str | None = Field(default=None, max_length=80, description="Check number, card or transaction reference.")
    visit_id: uuid.UUID | None = Field(
        default=None, description="Pay this visit's charges first; otherwise the oldest charges are paid first."
    )


#: Reasons staff may post by hand (the self-pay discount and small-balance write-off are posted by the service).
MANUAL_REASONS = (AdjustmentReason.COURTESY, AdjustmentReason.BILLING_CORRECTION, AdjustmentReason.CHARITY,
                  AdjustmentReason.BAD_DEBT)


class AdjustmentIn(_In):
    amount: PositiveAmount = Field(description="How much to take off the balance.")
    reason: AdjustmentReason = Field(description="courtesy, billing_correction (adjustments); charity, bad_debt "
                                                 "(write-offs).")
    visit_id: uuid.UUID | None = None
    reference: str | None = Field(default=None, max_length=80)


class ApplicationOut(BaseModel):
    charge_entry_id: uuid.UUID
    visit_id: uuid.UUID | None
    amount: Decimal

    @classmethod
    def of(cls, application: Application) -> "ApplicationOut":
        return cls(charge_entry_id=application.charge_entry_id, visit_id=application.visit_id,
                   amount=application.amount)


class RefundItemOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    amount: Decimal
    status: RefundStatus
    created_on: date
    resolved_on: date | None
    refund_entry_id: uuid.UUID | None

    @classmethod
    def of(cls, item: RefundItem) -> "RefundItemOut":
        return cls(id=item.id, account_id=item.account_id, amount=item.amount, status=item.status,
                   created_on=item.created_on, resolved_on=item.resolved_on, refund_entry_id=item.refund_entry_id)


class PostedOut(BaseModel):
    entry: EntryOut
    applied: list[ApplicationOut] = Field(description="The charges the credit was applied to, oldest first.")
    unapplied: Decimal = Field(description="What no open charge took: a credit on the account.")
    account: AccountOut
    refund_item: RefundItemOut | None = Field(description="The refund work item a credit opened or changed.")

    @classmethod
    def of(cls, posted: Posted) -> "PostedOut":
        return cls(
            entry=EntryOut.of(posted.entry), applied=[ApplicationOut.of(a) for a in posted.applied],
            unapplied=posted.unapplied, account=AccountOut.of(posted.account),
            refund_item=RefundItemOut.of(posted.refund_item) if posted.refund_item else None,
        )


class RefundIn(_In):
    method: PaymentMethod
    reference: str | None = Field(default=None, max_length=80)


class DisputeIn(_In):
    disputed: bool = Field(description="True: the guarantor disputes the balance (dunning is held); false: resolved.")


# ------------------------------------------------------------------ statements
class StatementOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    kind: StatementKind
    statement_date: date
    due_date: date
    amount_due: Decimal
    pay_now: Decimal = Field(description="What to pay by the due date: the balance, or the plan's next installment.")
    trigger: str = Field(description="cycle, on_demand or dunning.")
    issued_at: datetime
    pdf: str = Field(description="Path of the statement as PDF.")

    @classmethod
    def of(cls, record: IssuedStatement) -> "StatementOut":
        return cls(
            id=record.id, account_id=record.account_id, kind=record.kind, statement_date=record.statement_date,
            due_date=record.due_date, amount_due=record.amount_due, pay_now=record.pay_now, trigger=record.trigger,
            issued_at=record.issued_at, pdf=f"/v1/statements/{record.id}/pdf",
        )


class StatementDetailOut(StatementOut):
    content: StatementContent = Field(description="What the statement says, frozen as issued.")

    @classmethod
    def of_content(cls, record: IssuedStatement, content: StatementContent) -> "StatementDetailOut":
        return cls(**StatementOut.of(record).model_dump(), content=content)


# ------------------------------------------------------------------ payment plans
class PlanIn(_In):
    total: PositiveAmount | None = Field(default=None, description="Defaults to the whole patient-due balance.")
    installment_amount: PositiveAmount
    frequency: PlanFrequency
    first_due_on: date


class InstallmentOut(BaseModel):
    due_on: date
    amount: Decimal


class StandingOut(BaseModel):
    paid: Decimal
    expected: Decimal = Field(description="What should have been paid by now (installments past their grace days).")
    behind: Decimal
    missed_installments: int
    next_due_on: date | None
    next_installment: Decimal
    remaining: Decimal


class PlanOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    total: Decimal
    installment_amount: Decimal
    frequency: PlanFrequency
    first_due_on: date
    created_on: date
    status: PlanStatus
    missed_installments: int = Field(description="As of the last check by the payment-plans job.")
    ended_on: date | None
    schedule: list[InstallmentOut]
    standing: StandingOut | None = None

    @classmethod
    def of(cls, plan: PaymentPlan, standing: PlanStanding | None = None) -> "PlanOut":
        return cls(
            id=plan.id, account_id=plan.account_id, total=plan.total, installment_amount=plan.installment_amount,
            frequency=plan.frequency, first_due_on=plan.first_due_on, created_on=plan.created_on, status=plan.status,
            missed_installments=plan.missed_installments, ended_on=plan.ended_on,
            schedule=[InstallmentOut(due_on=d, amount=a) for d, a in plan.schedule()],
            standing=StandingOut(
                paid=standing.paid, expected=standing.expected, behind=standing.behind,
                missed_installments=standing.missed_installments, next_due_on=standing.next_due_on,
                next_installment=standing.next_installment, remaining=standing.remaining,
            ) if standing else None,
        )


# ------------------------------------------------------------------ jobs
class JobReportOut(BaseModel):
    job: str
    as_of: date
    ran: bool = Field(description="False when the job had nothing to do by policy (e.g. not a cycle day).")
    note: str | None
    outcomes: dict[str, int] = Field(description="Accounts or plans by what happened to them.")
    ids: list[uuid.UUID] = Field(description="Statements issued, or accounts / plans changed.")

    @classmethod
    def of(cls, report: JobReport) -> "JobReportOut":
        return cls(job=report.job, as_of=report.as_of, ran=report.ran, note=report.note, outcomes=report.outcomes,
                   ids=report.ids)


# ------------------------------------------------------------------ policy
class HowToPayIO(_In):
    practice_name: str = Field(min_length=1, max_length=200)
    online_url: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=40)
    mail_to: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(default_factory=list, max_length=4)


Days = Annotated[int, Field(ge=1, le=365)]


class PolicyIO(_In):
    """The tenant's patient-billing policy; PUT replaces all of it (GET it, change it, PUT it back)."""

    statement_cycle_days: list[Annotated[int, Field(ge=1, le=31)]] = Field(
        min_length=1, max_length=4, description="Days of the month statements run on; 31 means the month's last day.")
    minimum_statement_balance: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
    payment_due_days: Annotated[int, Field(ge=1, le=90)]
    reminder_after_days: Days = Field(description="Days from the first statement to the reminder.")
    final_notice_after_days: Days = Field(description="Days from the reminder to the final notice.")
    collections_after_days: Days = Field(description="Days from the final notice to the hand-off to collections.")
    self_pay_discount_percent: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
    small_balance_write_off_below: Annotated[Decimal, Field(ge=0, le=1000, max_digits=12, decimal_places=2)] = Field(
        description="Balances below this are written off by the small-balance job; 0 turns it off.")
    missed_installments_allowed: Annotated[int, Field(ge=0, le=12)]
    installment_grace_days: Annotated[int, Field(ge=0, le=60)]
    how_to_pay: HowToPayIO

    @classmethod
    def of(cls, policy: BillingPolicy) -> "PolicyIO":
        fields = {name: getattr(policy, name) for name in cls.model_fields if name != "how_to_pay"}
        pay = policy.how_to_pay
        return cls(**fields, how_to_pay=HowToPayIO(practice_name=pay.practice_name, online_url=pay.online_url,
                                                   phone=pay.phone, mail_to=list(pay.mail_to)))

    def to_policy(self) -> BillingPolicy:
        fields = {name: getattr(self, name) for name in type(self).model_fields if name != "how_to_pay"}
        fields["statement_cycle_days"] = tuple(sorted(set(self.statement_cycle_days)))
        for amount in ("minimum_statement_balance", "self_pay_discount_percent", "small_balance_write_off_below"):
            fields[amount] = money(fields[amount])
        pay = self.how_to_pay
        return BillingPolicy(**fields, how_to_pay=HowToPay(practice_name=pay.practice_name, online_url=pay.online_url,
                                                           phone=pay.phone, mail_to=tuple(pay.mail_to)))
