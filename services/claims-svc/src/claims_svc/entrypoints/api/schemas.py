"""HTTP response bodies of claims-svc (separate from tables and event contracts)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel

from claims_svc.application.queries import ClaimDetail
from claims_svc.domain.claim import Claim, ClaimLine, ClaimStatus, StatusChange
from claims_svc.domain.denial import BillingDenial, DenialStatus
from claims_svc.domain.scrubber import ScrubFinding
from openrcm_shared.contracts import Patient, PayerRef


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
    service_date: date

    @classmethod
    def of(cls, line: ClaimLine) -> "ClaimLineOut":
        return cls(**{**asdict(line), "modifiers": list(line.modifiers)})


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
        )
