"""The claim aggregate and its lifecycle. Pure domain code: no FastAPI, SQLAlchemy or Kafka.

One claim bills one coverage of one encounter revision. Its status only moves along
``ALLOWED_TRANSITIONS``; every move is kept in its history with who (a user, ``system`` or the
event that caused it) and why.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from claims_svc.domain.scrubber import ScrubFinding, scrub_charges
from openrcm_shared.contracts import (
    ClaimSubmitted, EncounterCoded, Patient, PayerRef, RemitReceived, SubmittedServiceLine,
)

SYSTEM_ACTOR = "system"


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
_ADJUDICATED = frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED})
#: Which status may follow which. A payer can adjudicate a claim we never saw acknowledged (no 277CA
#: yet), a corrected remit can change an adjudication, and a reversal sends an adjudicated claim
#: back to submitted.
ALLOWED_TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.DRAFT: frozenset({S.SCRUB_FAILED, S.READY}),
    S.SCRUB_FAILED: frozenset({S.READY, S.CLOSED}),
    S.READY: frozenset({S.SUBMITTED, S.SCRUB_FAILED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED}) | _ADJUDICATED,
    S.ACCEPTED: _ADJUDICATED,
    S.REJECTED: frozenset({S.READY, S.SCRUB_FAILED, S.CLOSED}),
    S.PAID: frozenset({S.SUBMITTED, S.PARTIALLY_PAID, S.DENIED, S.CLOSED}),
    S.PARTIALLY_PAID: frozenset({S.SUBMITTED, S.PAID, S.DENIED, S.APPEALED, S.CLOSED}),
    S.DENIED: frozenset({S.SUBMITTED, S.PAID, S.PARTIALLY_PAID, S.APPEALED, S.CLOSED}),
    S.APPEALED: frozenset({S.SUBMITTED, S.CLOSED}) | _ADJUDICATED,
    S.CLOSED: frozenset(),
}
#: The payer never received a claim in these statuses, so a later revision is billed as an original.
NEVER_SENT = frozenset({S.DRAFT, S.SCRUB_FAILED, S.READY})

_REMIT_OUTCOME_STATUS = {"paid": S.PAID, "partially_paid": S.PARTIALLY_PAID, "denied": S.DENIED, "reversed": S.SUBMITTED}

FrequencyCode = Literal["1", "7", "8"]  # CLM05-3: original, replacement, void
ORIGINAL: FrequencyCode = "1"
REPLACEMENT: FrequencyCode = "7"

#: CLM01 alphabet without I, O, 0 and 1, so a number read over the phone is not misheard.
PCN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: 14 of 32 symbols = 70 random bits: collisions are negligible and the database refuses them anyway.
#: Well under the 20 characters many payers keep of CLM01.
PCN_LENGTH = 14


class IllegalTransition(Exception):
    def __init__(self, current: ClaimStatus, requested: ClaimStatus) -> None:
        super().__init__(f"a claim cannot go from {current.value} to {requested.value}")
        self.current, self.requested = current, requested


def new_patient_control_number() -> str:
    """CLM01: random, echoed by payers in CLP01 of the 835."""
    return "".join(secrets.choice(PCN_ALPHABET) for _ in range(PCN_LENGTH))


@dataclass(frozen=True)
class StatusChange:
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True)
class ClaimLine:
    line_number: int
    line_control_number: str  # REF*6R; payers echo it on the 835 service line
    procedure_code: str
    modifiers: tuple[str, ...]
    units: Decimal
    charge: Decimal | None  # None until a charge is known: such a claim fails the scrubber
    service_date: date


@dataclass
class Claim:
    id: uuid.UUID
    tenant_id: str
    encounter_id: uuid.UUID
    encounter_revision: int
    coverage_sequence: Literal["primary", "secondary", "tertiary"]
    patient_control_number: str
    frequency_code: FrequencyCode
    original_payer_claim_number: str | None
    payer: PayerRef
    member_id: str
    patient: Patient
    billing_provider_npi: str
    rendering_provider_npi: str | None
    service_date_from: date
    service_date_to: date
    lines: list[ClaimLine]
    status: ClaimStatus
    findings: list[ScrubFinding] = field(default_factory=list)
    payer_claim_control_number: str | None = None
    total_paid: Decimal | None = None
    patient_responsibility: Decimal | None = None
    history: list[StatusChange] = field(default_factory=list)

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines if line.charge is not None), Decimal("0.00"))

    @property
    def was_sent_to_payer(self) -> bool:
        return self.status not in NEVER_SENT

    def move_to(self, status: ClaimStatus, *, at: datetime, actor: str, reason: str) -> None:
        """Change status along the allowed transitions; staying in the same status changes nothing."""
        if status == self.status:
            return
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise IllegalTransition(self.status, status)
        self.history.append(StatusChange(self.status, status, at, actor, reason))
        self.status = status

    def submission(self, at: datetime) -> ClaimSubmitted:
        """The ClaimSubmitted event of a submitted claim."""
        if self.status != S.SUBMITTED:
            raise IllegalTransition(self.status, S.SUBMITTED)
        return ClaimSubmitted(
            claim_id=self.id, encounter_id=self.encounter_id, encounter_revision=self.encounter_revision,
            patient_control_number=self.patient_control_number, frequency_code=self.frequency_code,
            original_payer_claim_number=self.original_payer_claim_number, coverage_sequence=self.coverage_sequence,
            payer=self.payer, member_id=self.member_id, patient=self.patient,
            billing_provider_npi=self.billing_provider_npi, rendering_provider_npi=self.rendering_provider_npi,
            service_date_from=self.service_date_from, service_date_to=self.service_date_to,
            total_charge=self.total_charge,
            lines=[
                SubmittedServiceLine(
                    line_number=line.line_number, line_control_number=line.line_control_number,
                    procedure_code=line.procedure_code, modifiers=list(line.modifiers), units=line.units,
                    charge=line.charge, service_date=line.service_date,
                )
                for line in self.lines
            ],
            submitted_at=at,
        )

    def record_remit(self, remit: RemitReceived, *, at: datetime, actor: str) -> None:
        """The payer adjudicated (or reversed) the claim. Nothing changes if the status move is illegal."""
        self.move_to(_REMIT_OUTCOME_STATUS[remit.outcome], at=at, actor=actor,
                     reason=f"remit {remit.remit_claim_id}: CLP02 {remit.claim_status_code} ({remit.outcome})")
        if remit.outcome == "reversed":
            self.total_paid = None
            self.patient_responsibility = None
        else:
            self.total_paid = remit.total_paid
            self.patient_responsibility = remit.patient_responsibility.total
        if remit.payer_claim_control_number:
            self.payer_claim_control_number = remit.payer_claim_control_number

    def retire_unsent(self, *, by_revision: int, at: datetime, actor: str) -> bool:
        """Close a claim the payer never got once a newer revision bills the encounter. False if it was sent."""
        if self.status != S.SCRUB_FAILED:
            return False
        self.move_to(S.CLOSED, at=at, actor=actor, reason=f"superseded by encounter revision {by_revision}")
        return True


def build_claim(
    tenant_id: str, coded: EncounterCoded, *, now: datetime, actor: str, previous: Claim | None
) -> Claim | None:
    """The primary claim for a coded encounter revision, or None for self-pay.

    ``previous`` is the latest claim of an earlier revision. Its patient control number carries on,
    so the payer sees one claim being corrected. Once the payer has received a claim of the
    encounter, a later revision is a replacement (frequency 7) naming the payer's claim number when
    known, never a second original.
    """
    if not coded.coverages:
        return None
    coverage = coded.coverages[0]
    pcn = previous.patient_control_number if previous else new_patient_control_number()
    payer_has_it = previous is not None and (previous.was_sent_to_payer or previous.frequency_code == REPLACEMENT)
    lines = [
        ClaimLine(
            line_number=line.line_number,
            # The revision keeps control numbers unique across the replacements that share a PCN.
            line_control_number=f"{pcn}-{coded.revision}-{line.line_number}",
            procedure_code=line.procedure_code, modifiers=tuple(line.modifiers), units=line.units, charge=line.charge,
            service_date=line.service_date,
        )
        for line in coded.service_lines
    ]
    claim = Claim(
        id=uuid.uuid4(), tenant_id=tenant_id, encounter_id=coded.encounter_id, encounter_revision=coded.revision,
        coverage_sequence=coverage.sequence, patient_control_number=pcn,
        frequency_code=REPLACEMENT if payer_has_it else ORIGINAL,
        original_payer_claim_number=(
            (previous.payer_claim_control_number or previous.original_payer_claim_number)
            if previous is not None and payer_has_it else None
        ),
        payer=PayerRef(payer_id=coverage.payer_id, name=coverage.payer_name), member_id=coverage.member_id,
        patient=coded.patient, billing_provider_npi=coded.billing_provider.npi,
        rendering_provider_npi=coded.rendering_provider.npi if coded.rendering_provider else None,
        service_date_from=coded.service_date_from, service_date_to=coded.service_date_to, lines=lines,
        status=S.DRAFT, findings=scrub_charges(lines),
    )
    claim.history.append(StatusChange(None, S.DRAFT, now, actor, f"built from encounter revision {coded.revision}"))
    if claim.findings:
        claim.move_to(S.SCRUB_FAILED, at=now, actor=actor, reason=f"{len(claim.findings)} scrubber error(s)")
    else:
        claim.move_to(S.READY, at=now, actor=actor, reason="scrubber passed")
        # No clearinghouse batches yet: a clean claim counts as submitted as soon as it is built.
        claim.move_to(S.SUBMITTED, at=now, actor=actor, reason="submitted")
    return claim
