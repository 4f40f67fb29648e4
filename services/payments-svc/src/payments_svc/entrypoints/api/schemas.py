"""HTTP request and response bodies of payments-svc (separate from tables and event contracts).

The remittance body mirrors an X12 835 (payer N1*PR, payment BPR/TRN, claims CLP with CAS
adjustments, LQ remark codes and SVC lines), so the 835 parser and this API produce the same
``RemittanceDocument``. Amounts are decimal strings (or numbers) with at most 2 decimals.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from openrcm_shared.contracts import (
    Adjustment, Patient, PatientResponsibility, PayerRef, PaymentInfo, SubmittedServiceLine,
)
from openrcm_shared.contracts.events import AdjustmentGroup, DenialCategory, Department, RecommendedAction
from openrcm_shared.identifiers import modifier_format_is_valid, procedure_code_system
from payments_svc.domain.denials import DenialFinding
from payments_svc.domain.era_file import PostingSettings
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.remittance import Denial, Deposit, RemitClaim, Remittance, RemittanceSummary
from payments_svc.domain.remittance_document import (
    ClaimPayment, ClaimStatusCode, PayeeRef, ProviderAdjustment, RemittanceDocument, ServiceLinePayment,
)


def _procedure(value: str) -> str:
    value = value.strip().upper()
    if procedure_code_system(value) is None:
        raise ValueError("is not a CPT (5 characters) or HCPCS Level II (letter + 4 digits) code")
    return value


def _modifier(value: str) -> str:
    value = value.strip().upper()
    if not modifier_format_is_valid(value):
        raise ValueError("is not a modifier (2 letters or digits)")
    return value


ProcedureCode = Annotated[str, AfterValidator(_procedure)]
Modifier = Annotated[str, AfterValidator(_modifier)]
Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
ReasonCode = Annotated[str, Field(pattern=r"^[A-Z0-9]{1,5}$", description="CARC, e.g. 45, 97, A1.")]
RemarkCode = Annotated[str, Field(pattern=r"^[A-Z]{1,2}[0-9]{1,4}$", description="RARC, e.g. N290, MA130, M15.")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AdjustmentIn(_In):
    """CAS: one adjustment of a claim or line."""

    group: AdjustmentGroup = Field(
        description="CO contractual, PR patient responsibility, OA other, PI payer initiated, CR correction/reversal."
    )
    reason_code: ReasonCode
    amount: Amount = Field(description="Positive reduces the payment; negative adds to it.")
    quantity: Decimal | None = Field(default=None, max_digits=15, decimal_places=4)

    def to_contract(self) -> Adjustment:
        return Adjustment(group=self.group, reason_code=self.reason_code, amount=self.amount, quantity=self.quantity)


class LineIn(_In):
    """SVC: one service line as adjudicated."""

    line_control_number: str | None = Field(default=None, min_length=1, max_length=50,
                                            description="REF*6R we sent, if the payer echoed it.")
    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    units: Decimal = Field(default=Decimal("1"), max_digits=9, decimal_places=3)
    service_date: date | None = None
    charge: Amount
    allowed: Amount | None = None
    paid: Amount
    adjustments: list[AdjustmentIn] = Field(default_factory=list, max_length=99)
    remark_codes: list[RemarkCode] = Field(default_factory=list, max_length=20)

    def to_document(self) -> ServiceLinePayment:
        return ServiceLinePayment(
            line_control_number=self.line_control_number, procedure_code=self.procedure_code,
            modifiers=tuple(self.modifiers), units=self.units, service_date=self.service_date, charge=self.charge,
            allowed=self.allowed, paid=self.paid, adjustments=tuple(a.to_contract() for a in self.adjustments),
            remark_codes=tuple(self.remark_codes),
        )


class ClaimIn(_In):
    """CLP: the payer's answer on one claim."""

    patient_control_number: str = Field(min_length=1, max_length=38, description="CLP01: our CLM01.")
    status_code: ClaimStatusCode = Field(
        description="CLP02: 1/2/3 processed as primary/secondary/tertiary, 4 denied, 19/20/21 processed and "
        "forwarded, 22 reversal of a previous payment, 23 not our claim, forwarded."
    )
    total_charge: Amount
    total_paid: Amount
    patient_responsibility_amount: Amount | None = Field(
        default=None, description="CLP05, as reported (kept, not checked)."
    )
    payer_claim_control_number: str | None = Field(default=None, min_length=1, max_length=50, description="CLP07.")
    adjudicated_on: date | None = None
    adjustments: list[AdjustmentIn] = Field(default_factory=list, max_length=99)
    remark_codes: list[RemarkCode] = Field(default_factory=list, max_length=20)
    lines: list[LineIn] = Field(default_factory=list, max_length=999)

    def to_document(self) -> ClaimPayment:
        return ClaimPayment(
            patient_control_number=self.patient_control_number, status_code=self.status_code,
            total_charge=self.total_charge, total_paid=self.total_paid,
            patient_responsibility_amount=self.patient_responsibility_amount,
            payer_claim_control_number=self.payer_claim_control_number, adjudicated_on=self.adjudicated_on,
            adjustments=tuple(a.to_contract() for a in self.adjustments), remark_codes=tuple(self.remark_codes),
            lines=tuple(line.to_document() for line in self.lines),
        )


class PayerIn(_In):
    payer_id: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=100)


class PaymentIn(_In):
    trace_number: str = Field(min_length=1, max_length=50, description="TRN02: check or EFT trace number.")
    method: Literal["CHK", "ACH", "FWT", "BOP", "NON"] = Field(
        description="BPR04: CHK check, ACH, FWT wire, BOP financial institution option, NON no payment."
    )
    amount: Amount = Field(ge=0, description="BPR02: the total paid.")
    payment_date: date = Field(description="BPR16: check issue or EFT effective date.")


class ProviderAdjustmentIn(_In):
    """PLB: an adjustment of the whole payment, not of one claim."""

    provider_id: str = Field(min_length=1, max_length=50, description="PLB01: the provider's NPI or tax id.")
    fiscal_period_end: date | None = Field(default=None, description="PLB02.")
    reason_code: str = Field(pattern=r"^[A-Z0-9]{2}$", description="PLB03-1: WO overpayment recovery, L6 interest, "
                                                                      "FB forwarding balance, CS adjustment, ...")
    reference: str | None = Field(default=None, min_length=1, max_length=50, description="PLB03-2.")
    amount: Amount = Field(description="Positive reduces the payment; negative adds to it.")

    def to_document(self) -> ProviderAdjustment:
        return ProviderAdjustment(**self.model_dump())


class RemittanceIn(_In):
    payer: PayerIn
    payment: PaymentIn
    claims: list[ClaimIn] = Field(min_length=1, max_length=10_000)
    provider_adjustments: list[ProviderAdjustmentIn] = Field(default_factory=list, max_length=999)

    def to_document(self) -> RemittanceDocument:
        return RemittanceDocument(
            payer=PayerRef(payer_id=self.payer.payer_id, name=self.payer.name),
            payment=PaymentInfo(**self.payment.model_dump()),
            claims=tuple(claim.to_document() for claim in self.claims),
            provider_adjustments=tuple(a.to_document() for a in self.provider_adjustments),
        )


# ---------------------------------------------------------------- responses
class BalanceProblemOut(BaseModel):
    pointer: str = Field(description="JSON pointer inside the claim; empty for the claim as a whole.")
    message: str


class DenialOut(BaseModel):
    id: uuid.UUID | None = Field(description="None in a preview: the denial is raised when the remittance posts.")
    level: Literal["claim", "line"]
    line_control_number: str | None
    procedure_code: str | None
    category: DenialCategory
    owning_department: Department
    recommended_action: RecommendedAction
    denied_amount: Decimal
    adjustments: list[Adjustment]
    remark_codes: list[str]
    explanation: str

    @classmethod
    def of(cls, denial: Denial) -> "DenialOut":
        return cls.of_finding(denial.finding, denial.id)

    @classmethod
    def of_finding(cls, f: DenialFinding, denial_id: uuid.UUID | None = None) -> "DenialOut":
        return cls(
            id=denial_id, level=f.level, line_control_number=f.line_control_number, procedure_code=f.procedure_code,
            category=f.category, owning_department=f.owning_department, recommended_action=f.recommended_action,
            denied_amount=f.denied_amount, adjustments=list(f.adjustments), remark_codes=list(f.remark_codes),
            explanation=f.explanation,
        )


class NoteOut(BaseModel):
    code: str
    message: str
    pointer: str = Field(description="JSON pointer inside the claim; empty for the claim as a whole.")
    severity: Literal["warning", "info"]


class LineMatchOut(BaseModel):
    index: int = Field(description="Position of the remittance line in the claim's `lines`.")
    method: Literal["line_control_number", "procedure_and_date", "modifiers_changed", "original_procedure",
                    "unmatched"]
    line_number: int | None = Field(description="The submitted line it answers.")
    line_control_number: str | None = Field(description="REF*6R we sent on that line.")


_CLAIM_DETAIL_FIELDS = frozenset(ClaimPayment.model_fields) - {
    "patient_control_number", "status_code", "total_charge", "total_paid", "patient_responsibility_amount",
    "payer_claim_control_number", "adjudicated_on", "adjustments", "remark_codes", "lines",
}


class RemitClaimOut(BaseModel):
    id: uuid.UUID
    remittance_id: uuid.UUID
    sequence: int
    patient_control_number: str
    status_code: str
    payer_claim_control_number: str | None
    adjudicated_on: date | None
    total_charge: Decimal
    total_paid: Decimal
    patient_responsibility_amount: Decimal | None = Field(description="As the payer reported it (CLP05).")
    patient_responsibility: PatientResponsibility = Field(description="Split of the PR adjustments, claim and lines: "
                                                          "deductible PR-1, coinsurance PR-2, copay PR-3, other PR.")
    adjustments_by_group: dict[str, Decimal] = Field(description="CO, PR, OA, PI, CR totals of claim and lines.")
    status: Literal["posted", "unmatched", "out_of_balance", "predetermination"] = Field(
        description="What posting does (did) with the claim; in a pending remittance, what it will do.")
    matched: bool
    expected_claim_id: uuid.UUID | None
    claim_id: uuid.UUID | None
    encounter_id: uuid.UUID | None
    balanced: bool
    balance_problems: list[BalanceProblemOut]
    outcome: Literal["paid", "partially_paid", "denied", "reversed"]
    reverses_remit_claim_id: uuid.UUID | None
    reversed_by_remit_claim_id: uuid.UUID | None
    adjustments: list[Adjustment]
    remark_codes: list[str]
    lines: list[ServiceLinePayment]
    line_matches: list[LineMatchOut]
    notes: list[NoteOut]
    denials: list[DenialOut] = Field(description="Raised denials; for a claim of a pending remittance, the ones "
                                                 "posting would raise (without ids).")
    details: dict[str, Any] = Field(description="The rest of the payer's answer: names (NM1), dates, amounts (AMT), "
                                                "quantities, references (REF), MIA/MOA values.")

    @classmethod
    def of(cls, claim: RemitClaim, *, preview: bool = False) -> "RemitClaimOut":
        p, match = claim.payment, claim.match
        denials = ([DenialOut.of_finding(f) for f in claim.planned_denials()] if preview
                   else [DenialOut.of(d) for d in claim.denials])
        return cls(
            id=claim.id, remittance_id=claim.remittance_id, sequence=claim.sequence,
            patient_control_number=p.patient_control_number, status_code=p.status_code,
            payer_claim_control_number=p.payer_claim_control_number, adjudicated_on=p.adjudicated_on,
            total_charge=p.total_charge, total_paid=p.total_paid,
            patient_responsibility_amount=p.patient_responsibility_amount,
            patient_responsibility=claim.patient_responsibility, adjustments_by_group=claim.adjustments_by_group(),
            status=claim.status.value, matched=claim.matched,
            expected_claim_id=match.expected_claim_id if match else None,
            claim_id=match.claim_id if match else None, encounter_id=match.encounter_id if match else None,
            balanced=claim.balanced,
            balance_problems=[BalanceProblemOut(pointer=b.pointer, message=b.message) for b in claim.balance_problems],
            outcome=claim.outcome, reverses_remit_claim_id=claim.reverses_remit_claim_id,
            reversed_by_remit_claim_id=claim.reversed_by_remit_claim_id,
            adjustments=list(p.adjustments), remark_codes=list(p.remark_codes), lines=list(p.lines),
            line_matches=[LineMatchOut(**asdict(m)) for m in claim.line_matches],
            notes=[NoteOut(**asdict(n)) for n in claim.notes], denials=denials,
            details=p.model_dump(mode="json", include=_CLAIM_DETAIL_FIELDS, exclude_defaults=True),
        )


class DepositOut(BaseModel):
    reference: str
    deposit_date: date
    amount: Decimal
    matched_by: str
    matched_at: datetime


class RemittanceSummaryOut(BaseModel):
    id: uuid.UUID
    status: Literal["pending", "posted"] = Field(description="pending: staged, the preview; waits for a payment "
                                                             "poster to post it.")
    payer: PayerRef
    payment: PaymentInfo
    source: str
    received_by: str
    received_at: datetime
    claim_count: int
    posted_count: int
    unmatched_count: int
    out_of_balance_count: int
    predetermination_count: int
    denial_count: int
    claims_paid_total: Decimal
    provider_adjustment_total: Decimal
    balanced: bool = Field(description="Claims' payments minus provider adjustments equal the payment.")
    balance_problem: str | None
    era_file_id: uuid.UUID | None
    transaction_index: int | None
    deposit: DepositOut | None

    @classmethod
    def of(cls, summary: RemittanceSummary) -> "RemittanceSummaryOut":
        return cls(
            id=summary.id, status=summary.status.value, payer=summary.payer, payment=summary.payment,
            source=summary.source, received_by=summary.received_by, received_at=summary.received_at,
            claim_count=summary.claim_count, posted_count=summary.posted_count,
            unmatched_count=summary.unmatched_count, out_of_balance_count=summary.out_of_balance_count,
            predetermination_count=summary.predetermination_count, denial_count=summary.denial_count,
            claims_paid_total=summary.claims_paid_total, provider_adjustment_total=summary.provider_adjustment_total,
            balanced=summary.balance_problem is None, balance_problem=summary.balance_problem,
            era_file_id=summary.era_file_id, transaction_index=summary.transaction_index,
            deposit=DepositOut(**asdict(summary.deposit)) if summary.deposit else None,
        )


class RemittanceOut(RemittanceSummaryOut):
    payee: PayeeRef | None
    credit_debit: Literal["C", "D"]
    provider_adjustments: list[ProviderAdjustment]
    problems: list[dict[str, Any]] = Field(description="Problems found in the file (X12 segment and element).")
    claims: list[RemitClaimOut]

    @classmethod
    def of_remittance(cls, remittance: Remittance, claims: list[RemitClaim] | None = None) -> "RemittanceOut":
        summary = RemittanceSummaryOut.of(remittance.summary())
        preview = remittance.status.value == "pending"
        return cls(
            **dict(summary), payee=remittance.header.payee, credit_debit=remittance.header.credit_debit,
            provider_adjustments=remittance.provider_adjustments, problems=remittance.problems,
            claims=[RemitClaimOut.of(c, preview=preview) for c in (remittance.claims if claims is None else claims)],
        )


class EraTransactionOut(BaseModel):
    index: int
    control_number: str
    status: Literal["pending", "posted", "duplicate"]
    remittance_id: uuid.UUID | None
    duplicate_of: uuid.UUID | None = Field(description="The remittance already received with the same payment.")
    remittance: RemittanceSummaryOut | None
    claims: list[RemitClaimOut] | None = Field(
        default=None, description="Dry run only: the claims as they would be staged (at most 1,000).")


class EraFileOut(BaseModel):
    id: uuid.UUID
    content_sha256: str
    filename: str | None
    size: int
    source: str
    received_by: str
    received_at: datetime
    replayed: bool = Field(description="The same file was received before: this is the earlier result.")
    dry_run: bool
    problems: list[dict[str, Any]]
    transactions: list[EraTransactionOut]

    @classmethod
    def of(cls, result: Any) -> "EraFileOut":
        f = result.era_file
        transactions = []
        for t in f.transactions:
            summary = result.remittances.get(uuid.UUID(t["remittance_id"])) if t["remittance_id"] else None
            claims = result.previews.get(summary.id) if summary is not None else None
            transactions.append(EraTransactionOut(
                index=t["index"], control_number=t["control_number"],
                status="duplicate" if summary is None else summary.status.value,
                remittance_id=t["remittance_id"], duplicate_of=t["duplicate_of"],
                remittance=RemittanceSummaryOut.of(summary) if summary is not None else None,
                claims=[RemitClaimOut.of(c, preview=True) for c in claims] if claims is not None else None,
            ))
        return cls(id=f.id, content_sha256=f.content_sha256, filename=f.filename, size=f.size, source=f.source,
                   received_by=f.received_by, received_at=f.received_at, replayed=result.replayed,
                   dry_run=result.dry_run, problems=f.problems, transactions=transactions)


class ConfirmIn(_In):
    accept_out_of_balance: bool = Field(
        default=False, description="Post although the payment does not balance with its claims and PLB (after "
                                   "checking the payer's remittance advice).")


class PostingSettingsIn(_In):
    auto_post_clean_remits: bool = Field(description="Post 835 payments without confirmation when every claim "
                                                     "matches and balances, the payment balances and nothing needs "
                                                     "a look.")


class PostingSettingsOut(BaseModel):
    auto_post_clean_remits: bool
    updated_by: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, settings: PostingSettings) -> "PostingSettingsOut":
        return cls(auto_post_clean_remits=settings.auto_post_clean_remits, updated_by=settings.updated_by,
                   updated_at=settings.updated_at)


class ExpectedClaimOut(BaseModel):
    id: uuid.UUID
    claim_id: uuid.UUID
    encounter_id: uuid.UUID
    encounter_revision: int
    patient_control_number: str
    frequency_code: str
    payer: PayerRef
    coverage_sequence: str
    patient: Patient
    total_charge: Decimal
    service_date_from: date
    service_date_to: date
    lines: list[SubmittedServiceLine]
    submitted_at: datetime

    @classmethod
    def of(cls, claim: ExpectedClaim) -> "ExpectedClaimOut":
        return cls(
            id=claim.id, claim_id=claim.claim_id, encounter_id=claim.encounter_id,
            encounter_revision=claim.encounter_revision, patient_control_number=claim.patient_control_number,
            frequency_code=claim.frequency_code, payer=claim.payer, coverage_sequence=claim.coverage_sequence,
            patient=claim.patient, total_charge=claim.total_charge, service_date_from=claim.service_date_from,
            service_date_to=claim.service_date_to, lines=list(claim.lines), submitted_at=claim.submitted_at,
        )


class PaymentReconciliationOut(BaseModel):
    remittance_id: uuid.UUID
    payer_id: str
    trace_number: str = Field(description="TRN02: check or EFT trace number.")
    method: str
    payment_date: date | None
    amount: Decimal = Field(description="BPR02, negative for a debit.")
    posted_claims_paid: Decimal
    held_claims_paid: Decimal = Field(description="Paid on claims held unmatched or out of balance (not posted).")
    provider_adjustments: Decimal = Field(description="PLB total (positive reduces the payment).")
    difference: Decimal = Field(description="amount - (posted + held - PLB); 0 when the payment reconciles.")
    reconciled: bool = Field(description="Matched to a bank deposit.")
    deposit_reference: str | None

    @classmethod
    def of(cls, r: Any) -> "PaymentReconciliationOut":
        return cls(**asdict(r), reconciled=r.reconciled)


class DepositIn(_In):
    reference: str = Field(min_length=1, max_length=80, description="The bank's deposit or transaction reference.")
    deposit_date: date
    amount: Amount


class DenialRateOut(BaseModel):
    key: str = Field(description="The payer id, CARC with its group (CO-50), category or department.")
    claims: int = Field(description="Claims posted in the period (of this payer, when grouped by payer).")
    denied_claims: int
    denials: int
    denied_amount: Decimal
    denial_rate: Decimal = Field(description="denied_claims / claims.")

    @classmethod
    def of(cls, r: Any) -> "DenialRateOut":
        return cls(key=r.key, claims=r.claims, denied_claims=r.denied_claims, denials=r.denials,
                   denied_amount=r.denied_amount, denial_rate=r.rate)


class DenialReportOut(BaseModel):
    by: Literal["payer", "carc", "category", "department"]
    start: date
    end: date
    rows: list[DenialRateOut]
