"""A claim we submitted and expect a payer to answer: the match target of a remittance's claims.

Known by its patient control number (CLM01, echoed in CLP01) within a tenant. A later submission
under the same number (a replacement, frequency 7, or a resubmission) supersedes the earlier one:
the newest submission is the one a remittance answers. An older submission arriving late (events
of different claims are not ordered with each other) is ignored. Pure domain code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from openrcm_shared.contracts import ClaimSubmitted, Patient, PayerRef, SubmittedServiceLine

#: What stays when a newer submission supersedes the expected claim: our row and its tenant.
_IDENTITY = frozenset({"id", "tenant_id"})


@dataclass
class ExpectedClaim:
    id: uuid.UUID
    tenant_id: str
    claim_id: uuid.UUID
    encounter_id: uuid.UUID
    encounter_revision: int
    patient_control_number: str
    frequency_code: Literal["1", "7", "8"]
    payer: PayerRef
    coverage_sequence: Literal["primary", "secondary", "tertiary"]
    patient: Patient
    lines: tuple[SubmittedServiceLine, ...]
    total_charge: Decimal
    service_date_from: date
    service_date_to: date
    submitted_at: datetime

    @classmethod
    def from_submission(cls, tenant_id: str, submitted: ClaimSubmitted) -> "ExpectedClaim":
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, claim_id=submitted.claim_id, encounter_id=submitted.encounter_id,
            encounter_revision=submitted.encounter_revision,
            patient_control_number=submitted.patient_control_number, frequency_code=submitted.frequency_code,
            payer=submitted.payer, coverage_sequence=submitted.coverage_sequence, patient=submitted.patient,
            lines=tuple(submitted.lines), total_charge=submitted.total_charge,
            service_date_from=submitted.service_date_from, service_date_to=submitted.service_date_to,
            submitted_at=submitted.submitted_at,
        )

    def supersede(self, submitted: ClaimSubmitted) -> bool:
        """Take over a newer submission under the same patient control number. False if it is not newer."""
        if submitted.patient_control_number != self.patient_control_number:
            raise ValueError("a submission supersedes only the claim with its patient control number")
        if submitted.submitted_at <= self.submitted_at:
            return False  # the same submission again, or an older one that arrived late
        newer = ExpectedClaim.from_submission(self.tenant_id, submitted)
        for field in fields(self):
            if field.name not in _IDENTITY:
                setattr(self, field.name, getattr(newer, field.name))
        return True
