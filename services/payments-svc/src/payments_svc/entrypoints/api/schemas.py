"""HTTP request and response bodies of payments-svc (separate from tables and event contracts).

The remittance body mirrors an X12 835 (payer N1*PR, payment BPR/TRN, claims CLP with CAS
adjustments, LQ remark codes and SVC lines), so the 835 parser and this API produce the same
``RemittanceDocument``. Amounts are decimal strings (or numbers) with at most 2 decimals.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from openrcm_shared.contracts import (
    Adjustment, Patient, PatientResponsibility, PayerRef, PaymentInfo, SubmittedServiceLine,
)
from openrcm_shared.contracts.events import AdjustmentGroup, DenialCategory, Department, RecommendedAction
from openrcm_shared.identifiers import modifier_format_is_valid, procedure_code_system
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.remittance import Denial, RemitClaim, Remittance, RemittanceSummary
from payments_svc.domain.remittance_document import (
    ClaimPayment, ClaimStatusCode, RemittanceDocument, ServiceLinePayment,
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


class RemittanceIn(_In):
    payer: PayerIn
    payment: PaymentIn
    claims: list[ClaimIn] = Field(min_length=1, max_length=10_000)

    def to_document(self) -> RemittanceDocument:
        return RemittanceDocument(
            payer=PayerRef(payer_id=self.payer.payer_id, name=self.payer.name),
            payment=PaymentInfo(**self.payment.model_dump()),
            claims=tuple(claim.to_document() for claim in self.claims),
        )


# ---------------------------------------------------------------- responses
class BalanceProblemOut(BaseModel):
    pointer: str = Field(description="JSON pointer inside the claim; empty for the claim as a whole.")
    message: str


class DenialOut(BaseModel):
    id: uuid.UUID
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
        f = denial.finding
        return cls(
            id=denial.id, level=f.level, line_control_number=f.line_control_number, procedure_code=f.procedure_code,
            category=f.category, owning_department=f.owning_department, recommended_action=f.recommended_action,
            denied_amount=f.denied_amount, adjustments=list(f.adjustments), remark_codes=list(f.remark_codes),
            explanation=f.explanation,
        )


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
    patient_responsibility: PatientResponsibility = Field(description="Split of the PR adjustments, claim and lines.")
    status: Literal["posted", "unmatched", "out_of_balance"]
    matched: bool
    expected_claim_id: uuid.UUID | None
    claim_id: uuid.UUID | None
    encounter_id: uuid.UUID | None
    balanced: bool
    balance_problems: list[BalanceProblemOut]
    outcome: Literal["paid", "partially_paid", "denied", "reversed"]
    reverses_remit_claim_id: uuid.UUID | None
    adjustments: list[Adjustment]
    remark_codes: list[str]
    lines: list[ServiceLinePayment]
    denials: list[DenialOut]

    @classmethod
    def of(cls, claim: RemitClaim) -> "RemitClaimOut":
        p, match = claim.payment, claim.match
        return cls(
            id=claim.id, remittance_id=claim.remittance_id, sequence=claim.sequence,
            patient_control_number=p.patient_control_number, status_code=p.status_code,
            payer_claim_control_number=p.payer_claim_control_number, adjudicated_on=p.adjudicated_on,
            total_charge=p.total_charge, total_paid=p.total_paid,
            patient_responsibility_amount=p.patient_responsibility_amount,
            patient_responsibility=claim.patient_responsibility, status=claim.status.value, matched=claim.matched,
            expected_claim_id=match.expected_claim_id if match else None,
            claim_id=match.claim_id if match else None, encounter_id=match.encounter_id if match else None,
            balanced=claim.balanced,
            balance_problems=[BalanceProblemOut(pointer=b.pointer, message=b.message) for b in claim.balance_problems],
            outcome=claim.outcome, reverses_remit_claim_id=claim.reverses_remit_claim_id,
            adjustments=list(p.adjustments), remark_codes=list(p.remark_codes), lines=list(p.lines),
            denials=[DenialOut.of(d) for d in claim.denials],
        )


class RemittanceSummaryOut(BaseModel):
    id: uuid.UUID
    payer: PayerRef
    payment: PaymentInfo
    source: str
    received_by: str
    received_at: datetime
    claim_count: int
    posted_count: int
    unmatched_count: int
    out_of_balance_count: int
    denial_count: int

    @classmethod
    def of(cls, summary: RemittanceSummary) -> "RemittanceSummaryOut":
        return cls(
            id=summary.id, payer=summary.payer, payment=summary.payment, source=summary.source,
            received_by=summary.received_by, received_at=summary.received_at, claim_count=summary.claim_count,
            posted_count=summary.posted_count, unmatched_count=summary.unmatched_count,
            out_of_balance_count=summary.out_of_balance_count, denial_count=summary.denial_count,
        )


class RemittanceOut(RemittanceSummaryOut):
    claims: list[RemitClaimOut]

    @classmethod
    def of_remittance(cls, remittance: Remittance) -> "RemittanceOut":
        summary = RemittanceSummaryOut.of(remittance.summary())
        return cls(**summary.model_dump(), claims=[RemitClaimOut.of(c) for c in remittance.claims])


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
