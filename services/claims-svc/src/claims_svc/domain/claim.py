"""The claim aggregate and its lifecycle. Pure domain code: no FastAPI, SQLAlchemy or Kafka."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from openrcm_shared.contracts import (
    ClaimSubmitted, EncounterCoded, Patient, PayerRef, RemitReceived, SubmittedServiceLine,
)


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SCRUB_FAILED = "scrub_failed"
    READY = "ready"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    APPEALED = "appealed"
    CLOSED = "closed"


S = ClaimStatus
_ADJUDICATED = {S.PAID, S.PARTIALLY_PAID, S.DENIED}
#: Which status may follow which. A payer can adjudicate a claim we never saw acknowledged (no 277CA),
#: and a reversal sends an adjudicated claim back to submitted.
ALLOWED_TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.DRAFT: frozenset({S.SCRUB_FAILED, S.READY}),
    S.SCRUB_FAILED: frozenset({S.READY, S.CLOSED}),
    S.READY: frozenset({S.SUBMITTED, S.SCRUB_FAILED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED} | _ADJUDICATED),
    S.ACCEPTED: frozenset(_ADJUDICATED),
    S.REJECTED: frozenset({S.READY, S.SCRUB_FAILED, S.CLOSED}),
    S.PAID: frozenset({S.SUBMITTED, S.CLOSED, S.PARTIALLY_PAID, S.DENIED}),
    S.PARTIALLY_PAID: frozenset({S.SUBMITTED, S.PAID, S.DENIED, S.APPEALED, S.CLOSED}),
    S.DENIED: frozenset({S.SUBMITTED, S.PAID, S.PARTIALLY_PAID, S.APPEALED, S.CLOSED}),
    S.APPEALED: frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED, S.CLOSED}),
    S.CLOSED: frozenset(),
}

_OUTCOME_STATUS = {"paid": S.PAID, "partially_paid": S.PARTIALLY_PAID, "denied": S.DENIED, "reversed": S.SUBMITTED}
_PCN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read over the phone without mistakes


class IllegalTransition(Exception):
    def __init__(self, current: ClaimStatus, requested: ClaimStatus) -> None:
        super().__init__(f"a claim cannot go from {current.value} to {requested.value}")
        self.current, self.requested = current, requested


def new_patient_control_number() -> str:
    """CLM01: 14 characters, random (unique per tenant by constraint), echoed by payers in CLP01."""
    return "".join(secrets.choice(_PCN_ALPHABET) for _ in range(14))


@dataclass(frozen=True)
class StatusChange:
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True)
class ScrubFinding:
    rule_id: str
    severity: str
    message: str
    fix: str
    line_number: int | None = None


@dataclass
class Claim:
    id: uuid.UUID
    tenant_id: str
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
    lines: list[SubmittedServiceLine]
    status: ClaimStatus
    findings: list[ScrubFinding] = field(default_factory=list)
    payer_claim_control_number: str | None = None
    total_paid: Decimal | None = None
    patient_responsibility: Decimal | None = None
    history: list[StatusChange] = field(default_factory=list)

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    def move_to(self, status: ClaimStatus, *, at: datetime, actor: str, reason: str) -> None:
        if status == self.status:
            return
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise IllegalTransition(self.status, status)
        self.history.append(StatusChange(self.status, status, at, actor, reason))
        self.status = status

    def submission(self, at: datetime) -> ClaimSubmitted:
        if self.status != S.SUBMITTED:
            raise IllegalTransition(self.status, S.SUBMITTED)
        return ClaimSubmitted(
            claim_id=self.id, encounter_id=self.encounter_id, encounter_revision=self.encounter_revision,
            patient_control_number=self.patient_control_number, frequency_code=self.frequency_code,  # type: ignore[arg-type]
            original_payer_claim_number=self.original_payer_claim_number,
            coverage_sequence=self.coverage_sequence,  # type: ignore[arg-type]
            payer=self.payer, member_id=self.member_id, patient=Patient.model_validate(self.patient),
            billing_provider_npi=self.billing_provider_npi, rendering_provider_npi=self.rendering_provider_npi,
            service_date_from=self.service_date_from, service_date_to=self.service_date_to,
            total_charge=self.total_charge, lines=self.lines, submitted_at=at,
        )

    def record_remit(self, remit: RemitReceived, *, at: datetime) -> None:
        """The payer adjudicated (or reversed) the claim."""
        target = _OUTCOME_STATUS[remit.outcome]
        if remit.outcome == "reversed":
            self.total_paid = None
            self.patient_responsibility = None
        else:
            self.total_paid = remit.total_paid
            self.patient_responsibility = remit.patient_responsibility.total
        if remit.payer_claim_control_number:
            self.payer_claim_control_number = remit.payer_claim_control_number
        self.move_to(target, at=at, actor="payments-svc",
                     reason=f"remit {remit.remit_claim_id}: CLP02 {remit.claim_status_code}, {remit.outcome}")


def build_claim(
    tenant_id: str, coded: EncounterCoded, *, now: datetime, previous: Claim | None
) -> Claim | None:
    """The primary claim for a coded encounter, or None for self-pay.

    A later revision of an encounter already billed becomes a replacement claim (frequency 7) that
    keeps the patient control number and names the payer's claim number, never a second original.
    """
    if not coded.coverages:
        return None
    coverage = coded.coverages[0]
    pcn = previous.patient_control_number if previous else new_patient_control_number()
    lines = []
    findings: list[ScrubFinding] = []
    for line in coded.service_lines:
        if line.charge is None or line.charge <= 0:
            findings.append(ScrubFinding(
                rule_id="CHARGE-MISSING", severity="error", line_number=line.line_number,
                message=f"Line {line.line_number} ({line.procedure_code}) has no charge.",
                fix="Send the charge from the EHR or add the code to the fee schedule, then rebuild the claim.",
            ))
        lines.append(SubmittedServiceLine(
            line_number=line.line_number, line_control_number=f"{pcn}-{coded.revision}-{line.line_number}",
            procedure_code=line.procedure_code, modifiers=line.modifiers, units=line.units,
            charge=line.charge if line.charge is not None else Decimal("0.00"), service_date=line.service_date,
        ))
    claim = Claim(
        id=uuid.uuid4(), tenant_id=tenant_id, encounter_id=coded.encounter_id, encounter_revision=coded.revision,
        coverage_sequence=coverage.sequence, patient_control_number=pcn,
        frequency_code="7" if previous else "1",
        original_payer_claim_number=previous.payer_claim_control_number if previous else None,
        payer=PayerRef(payer_id=coverage.payer_id, name=coverage.payer_name), member_id=coverage.member_id,
        patient=coded.patient.model_dump(mode="json"), billing_provider_npi=coded.billing_provider.npi,
        rendering_provider_npi=coded.rendering_provider.npi if coded.rendering_provider else None,
        service_date_from=coded.service_date_from, service_date_to=coded.service_date_to, lines=lines,
        status=S.DRAFT, findings=findings,
    )
    claim.history.append(StatusChange(None, S.DRAFT, now, "claims-svc", f"built from encounter revision {coded.revision}"))
    if findings:
        claim.move_to(S.SCRUB_FAILED, at=now, actor="claims-svc", reason=f"{len(findings)} scrubber error(s)")
    else:
        claim.move_to(S.READY, at=now, actor="claims-svc", reason="scrubber passed")
        # No clearinghouse batches yet: a clean claim counts as submitted when it is built.
        claim.move_to(S.SUBMITTED, at=now, actor="claims-svc", reason="submitted")
    return claim
