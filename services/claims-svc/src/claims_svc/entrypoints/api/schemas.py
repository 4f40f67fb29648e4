"""HTTP response bodies of claims-svc."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from claims_svc.domain.claim import Claim
from openrcm_shared.contracts import PayerRef, SubmittedServiceLine


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
    status: str
    created_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> "ClaimSummaryOut":
        return cls(
            id=row["id"], encounter_id=row["encounter_id"], encounter_revision=row["encounter_revision"],
            patient_control_number=row["patient_control_number"], frequency_code=row["frequency_code"],
            payer=PayerRef(payer_id=row["payer_id"], name=row["payer_name"]), patient_id=row["patient_id"],
            service_date_from=row["service_date_from"], total_charge=row["total_charge"], status=row["status"],
            created_at=row["created_at"],
        )


class StatusChangeOut(BaseModel):
    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    reason: str


class FindingOut(BaseModel):
    rule_id: str
    severity: str
    message: str
    fix: str
    line_number: int | None


class DenialOut(BaseModel):
    id: uuid.UUID
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
    status: str
    received_at: datetime


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
    patient: dict[str, Any]
    billing_provider_npi: str
    rendering_provider_npi: str | None
    service_date_from: date
    service_date_to: date
    total_charge: Decimal
    status: str
    lines: list[SubmittedServiceLine]
    scrub_findings: list[FindingOut]
    payer_claim_control_number: str | None
    total_paid: Decimal | None
    patient_responsibility: Decimal | None
    status_history: list[StatusChangeOut]
    denials: list[DenialOut]

    @classmethod
    def of(cls, claim: Claim, denials: list[dict[str, Any]]) -> "ClaimOut":
        return cls(
            id=claim.id, encounter_id=claim.encounter_id, encounter_revision=claim.encounter_revision,
            coverage_sequence=claim.coverage_sequence, patient_control_number=claim.patient_control_number,
            frequency_code=claim.frequency_code, original_payer_claim_number=claim.original_payer_claim_number,
            payer=claim.payer, member_id=claim.member_id, patient=claim.patient,
            billing_provider_npi=claim.billing_provider_npi, rendering_provider_npi=claim.rendering_provider_npi,
            service_date_from=claim.service_date_from, service_date_to=claim.service_date_to,
            total_charge=claim.total_charge, status=claim.status.value, lines=claim.lines,
            scrub_findings=[FindingOut(**f.__dict__) for f in claim.findings],
            payer_claim_control_number=claim.payer_claim_control_number, total_paid=claim.total_paid,
            patient_responsibility=claim.patient_responsibility,
            status_history=[
                StatusChangeOut(from_status=h.from_status.value if h.from_status else None, to_status=h.to_status.value,
                                at=h.at, actor=h.actor, reason=h.reason)
                for h in claim.history
            ],
            denials=[DenialOut(**d) for d in denials],
        )
