"""HTTP response bodies of claims-svc (separate from tables and event contracts)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from claims_svc.application.queries import ClaimDetail
from claims_svc.adapters.batch_repository import Batch
from claims_svc.domain.appeal import Appeal
from claims_svc.domain.claim import Claim, ClaimLine, ClaimStatus, Correction, LineCorrection, StatusChange
from claims_svc.domain.denial import BillingDenial, DenialStatus
from claims_svc.domain.scrubber import ScrubFinding
from openrcm_shared.contracts import Coverage, Patient, PayerRef, Provider


class ClaimSummaryOut(BaseModel):
    id: uuid.UUID
    encounter_id: uuid.UUID
    encounter_revision: int
    patient_control_number: str
    frequency_code: str
    payer: PayerRef
    patient_id: str
    service_date_from: date
    total_charge: Decimal
    status: ClaimStatus

    @classmethod
    def of(cls, claim: Claim) -> "ClaimSummaryOut":
        return cls(
            id=claim.id, encounter_id=claim.encounter_id, encounter_revision=claim.encounter_revision,
            patient_control_number=claim.patient_control_number, frequency_code=claim.frequency_code,
            payer=claim.payer, patient_id=claim.patient.patient_id, service_date_from=claim.service_date_from,
            total_charge=claim.total_charge, status=claim.status,
        )


class ClaimLineOut(BaseModel):
    line_number: int
    line_control_number: str
    procedure_code: str
    modifiers: list[str]
    units: Decimal
    charge: Decimal | None
    charge_source: str
    service_date: date
    diagnosis_pointers: list[int]

    @classmethod
    def of(cls, line: ClaimLine) -> "ClaimLineOut":
        return cls(**{**asdict(line), "modifiers": list(line.modifiers),
                      "diagnosis_pointers": list(line.diagnosis_pointers)})


class StatusChangeOut(BaseModel):
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    at: datetime
    actor: str
    reason: str

    @classmethod
    def of(cls, change: StatusChange) -> "StatusChangeOut":
        return cls(**asdict(change))


class FindingOut(BaseModel):
    rule_id: str
    severity: str
    message: str
    fix: str
    line_number: int | None

    @classmethod
    def of(cls, finding: ScrubFinding) -> "FindingOut":
        return cls(**asdict(finding))


class DenialOut(BaseModel):
    id: uuid.UUID
    denial_id: uuid.UUID
    claim_id: uuid.UUID
    level: str
    line_control_number: str | None
    procedure_code: str | None
    category: str
    reason_codes: list[str]
    remark_codes: list[str]
    recommended_action: str
    explanation: str
    denied_amount: Decimal
    status: DenialStatus
    received_at: datetime

    @classmethod
    def of(cls, denial: BillingDenial) -> "DenialOut":
        return cls(
            id=denial.id, denial_id=denial.denial_id, claim_id=denial.claim_id, level=denial.level,
            line_control_number=denial.line_control_number, procedure_code=denial.procedure_code,
            category=denial.category, reason_codes=list(denial.reason_codes), remark_codes=list(denial.remark_codes),
            recommended_action=denial.recommended_action, explanation=denial.explanation,
            denied_amount=denial.denied_amount, status=denial.status, received_at=denial.received_at,
        )


class ClaimOut(BaseModel):
    id: uuid.UUID
    encounter_id: uuid.UUID
    encounter_revision: int
    coverage_sequence: str
    patient_control_number: str
    frequency_code: str
    original_payer_claim_number: str | None
    payer: PayerRef
    member_id: str
    patient: Patient
    billing_provider_npi: str
    rendering_provider_npi: str | None
    service_date_from: date
    service_date_to: date
    total_charge: Decimal
    status: ClaimStatus
    lines: list[ClaimLineOut]
    scrub_findings: list[FindingOut]
    payer_claim_control_number: str | None
    total_paid: Decimal | None
    patient_responsibility: Decimal | None
    status_history: list[StatusChangeOut]
    denials: list[DenialOut]
    place_of_service: str
    diagnoses: list[str]
    coverage: Coverage | None
    prior_authorization_number: str | None
    rendering_provider: Provider | None
    referring_provider: Provider | None
    batch_id: uuid.UUID | None

    @classmethod
    def of(cls, detail: ClaimDetail) -> "ClaimOut":
        claim = detail.claim
        return cls(
            id=claim.id, encounter_id=claim.encounter_id, encounter_revision=claim.encounter_revision,
            coverage_sequence=claim.coverage_sequence, patient_control_number=claim.patient_control_number,
            frequency_code=claim.frequency_code, original_payer_claim_number=claim.original_payer_claim_number,
            payer=claim.payer, member_id=claim.member_id, patient=claim.patient,
            billing_provider_npi=claim.billing_provider_npi, rendering_provider_npi=claim.rendering_provider_npi,
            service_date_from=claim.service_date_from, service_date_to=claim.service_date_to,
            total_charge=claim.total_charge, status=claim.status, lines=[ClaimLineOut.of(line) for line in claim.lines],
            scrub_findings=[FindingOut.of(finding) for finding in claim.findings],
            payer_claim_control_number=claim.payer_claim_control_number, total_paid=claim.total_paid,
            patient_responsibility=claim.patient_responsibility,
            status_history=[StatusChangeOut.of(change) for change in claim.history],
            denials=[DenialOut.of(denial) for denial in detail.denials],
            place_of_service=claim.place_of_service, diagnoses=list(claim.diagnoses), coverage=claim.coverage,
            prior_authorization_number=claim.prior_authorization_number, rendering_provider=claim.rendering_provider,
            referring_provider=claim.referring_provider, batch_id=claim.batch_id,
        )


class WorkItemOut(ClaimSummaryOut):
    """A claim in the billing work queue, with why it waits."""

    scrub_findings: list[FindingOut]
    waiting_since: datetime

    @classmethod
    def of(cls, claim: Claim) -> "WorkItemOut":  # type: ignore[override]
        return cls(**ClaimSummaryOut.of(claim).model_dump(), scrub_findings=[FindingOut.of(f) for f in claim.findings],
                   waiting_since=claim.history[-1].at)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LineCorrectionIn(_Body):
    line_number: int = Field(ge=1, le=50)
    charge: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    diagnosis_pointers: list[int] | None = Field(default=None, min_length=1, max_length=4)
    modifiers: list[str] | None = Field(default=None, max_length=4)

    @property
    def domain(self) -> LineCorrection:
        return LineCorrection(
            line_number=self.line_number, charge=self.charge,
            diagnosis_pointers=None if self.diagnosis_pointers is None else tuple(self.diagnosis_pointers),
            modifiers=None if self.modifiers is None else tuple(m.upper() for m in self.modifiers),
        )


class CorrectionIn(_Body):
    member_id: str | None = Field(default=None, min_length=1, max_length=80, pattern=r"^[^*:^~\r\n]+$")
    prior_authorization_number: str | None = Field(default=None, max_length=50, pattern=r"^[^*:^~\r\n]*$",
                                                   description="Empty to remove it.")
    place_of_service: str | None = Field(default=None, pattern=r"^\d{2}$")
    lines: list[LineCorrectionIn] = Field(default_factory=list, max_length=50)

    def to_domain(self) -> Correction:
        return Correction(member_id=self.member_id, prior_authorization_number=self.prior_authorization_number,
                          place_of_service=self.place_of_service, lines=tuple(line.domain for line in self.lines))


class AppealIn(_Body):
    argument: str = Field(min_length=20, max_length=5000,
                          description="Why the payer should pay: goes into the letter as written.")


class AppealOut(BaseModel):
    id: uuid.UUID
    claim_id: uuid.UUID
    denied_on: date
    deadline: date
    argument: str
    letter: str
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, appeal: Appeal) -> "AppealOut":
        return cls(**{k: v for k, v in asdict(appeal).items() if k != "tenant_id"})


class FollowUpOut(ClaimSummaryOut):
    """A claim at the payer with no news: how long, and what to do."""

    days_silent: int
    next_step: str

    @classmethod
    def of(cls, claim: Claim, today: date) -> "FollowUpOut":  # type: ignore[override]
        days = (today - claim.history[-1].at.date()).days
        step = {
            ClaimStatus.SUBMITTED: "No acknowledgement: check the clearinghouse's reports (999/277CA) for the batch.",
            ClaimStatus.ACCEPTED: "Accepted but not paid: ask the payer for the claim status (276/277 or portal).",
            ClaimStatus.APPEALED: "Appeal pending: ask the payer whether the appeal was received and decided.",
        }.get(claim.status, "Check the claim status with the payer.")
        return cls(**ClaimSummaryOut.of(claim).model_dump(), days_silent=days, next_step=step)


class CloseIn(_Body):
    reason: str = Field(min_length=3, max_length=500)


class BatchRequestIn(_Body):
    route_id: str | None = Field(default=None, max_length=60, description="Only this route; all routes when empty.")


class BatchOut(BaseModel):
    id: uuid.UUID
    route_id: str
    clearinghouse: str
    status: str
    interchange_control_number: int
    group_control_number: int
    transaction_control_numbers: list[int]
    claim_count: int
    total_charge: Decimal
    file_name: str
    attempts: int
    last_error: str | None
    submission_reference: str | None
    acknowledgment: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, batch: Batch) -> "BatchOut":
        return cls(**asdict(batch))
