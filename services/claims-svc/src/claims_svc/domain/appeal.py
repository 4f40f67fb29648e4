"""Appeals of denied claims: the deadline the payer allows and the letter that goes with the appeal. Pure.

The letter is plain text from the claim, the payer's denial reasons and the biller's argument; the
billing office prints or uploads it with the medical records.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from claims_svc.domain.claim import Claim, ClaimStatus
from claims_svc.domain.denial import BillingDenial
from claims_svc.domain.reference import BillingProfile, Payer

APPEALABLE = frozenset({ClaimStatus.DENIED, ClaimStatus.PARTIALLY_PAID})


class AppealRefused(Exception):
    pass


@dataclass(frozen=True)
class Appeal:
    id: uuid.UUID
    tenant_id: str
    claim_id: uuid.UUID
    denied_on: date
    deadline: date
    argument: str
    letter: str
    created_at: datetime
    created_by: str


def denied_on(claim: Claim) -> date:
    """When the payer's (last) denial or partial payment reached the claim."""
    for change in reversed(claim.history):
        if change.to_status in APPEALABLE and change.from_status != change.to_status:
            return change.at.date()
    raise AppealRefused("the claim was never denied")


def appeal_deadline(claim: Claim, payer: Payer) -> date:
    return denied_on(claim) + timedelta(days=payer.appeal_days)


def file_appeal(claim: Claim, *, payer: Payer, billing: BillingProfile, denials: Sequence[BillingDenial],
                argument: str, today: date, at: datetime, actor: str) -> Appeal:
    """Move a denied (or partly paid) claim to APPEALED with its letter; refused once the payer's window closed."""
    if claim.status not in APPEALABLE:
        raise AppealRefused(f"a {claim.status.value} claim cannot be appealed; only denied or partially paid ones")
    deadline = appeal_deadline(claim, payer)
    if today > deadline:
        raise AppealRefused(f"the payer's {payer.appeal_days}-day appeal window closed on {deadline.isoformat()}")
    letter = appeal_letter(claim, payer=payer, billing=billing, denials=denials, argument=argument, today=today)
    claim.move_to(ClaimStatus.APPEALED, at=at, actor=actor, reason=f"appealed; the payer's deadline is {deadline.isoformat()}")
    return Appeal(id=uuid.uuid4(), tenant_id=claim.tenant_id, claim_id=claim.id, denied_on=denied_on(claim),
                  deadline=deadline, argument=argument, letter=letter, created_at=at, created_by=actor)


def appeal_letter(claim: Claim, *, payer: Payer, billing: BillingProfile, denials: Sequence[BillingDenial],
                  argument: str, today: date) -> str:
    patient = claim.patient
    name = " ".join(part for part in (patient.name.first, patient.name.middle, patient.name.last) if part)
    address = billing.address
    reasons = [f"- {', '.join(denial.reason_codes)}{' ' + ', '.join(denial.remark_codes) if denial.remark_codes else ''}"
               f" on {'line ' + denial.line_control_number if denial.line_control_number else 'the claim'}: "
               f"{denial.explanation}" for denial in denials] or ["- (no denial details were received)"]
    lines = [
        billing.organization_name, address.line1, f"{address.city}, {address.state} {address.postal_code}",
        f"NPI {billing.npi}  TIN {billing.tax_id}", "", today.strftime("%B %d, %Y").replace(" 0", " "), "",
        f"{payer.name}", "Attn: Appeals", "",
        f"Re: Request for reconsideration of claim {claim.payer_claim_control_number or claim.patient_control_number}",
        f"Patient: {name}   Date of birth: {patient.date_of_birth.isoformat()}   Member id: {claim.member_id}",
        f"Date(s) of service: {claim.service_date_from.isoformat()}"
        + (f" to {claim.service_date_to.isoformat()}" if claim.service_date_to != claim.service_date_from else ""),
        f"Our claim number: {claim.patient_control_number}   Billed: {claim.total_charge}", "",
        "To whom it may concern,", "",
        "We ask you to reconsider your determination on the claim above. You gave these reasons:", *reasons, "",
        argument.strip(), "",
        "Services billed: " + "; ".join(
            f"{line.procedure_code}{'-' + '-'.join(line.modifiers) if line.modifiers else ''} x{line.units.normalize()}"
            f" {line.charge}" for line in claim.lines),
        "Diagnoses: " + ", ".join(claim.diagnoses), "",
        "The supporting medical records are enclosed. Please reprocess the claim for payment.", "",
        "Sincerely,", "", f"Billing office, {billing.organization_name}",
    ]
    return "\n".join(lines) + "\n"
