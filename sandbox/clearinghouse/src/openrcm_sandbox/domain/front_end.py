"""Front-end edits: what a payer's front end rejects before adjudication (answered in the 277CA). Pure.

Each rejection carries the STC01 composite (category : status : entity) claims-svc explains, and a
plain message for people. Messages name lines and fields, never the patient's name, member id or
any date, so they are safe to log.
"""

from __future__ import annotations

from dataclasses import dataclass

from openrcm_sandbox.domain.claims import SubmittedClaim
from openrcm_sandbox.domain.contracts import SandboxConfig
from openrcm_shared.identifiers import npi_is_valid

# STC01 categories (507) and status codes (508) and entities (98) the sandbox uses.
ACKNOWLEDGED_REJECTED = "A7"  # returned as unprocessable: errors in the claim
NOT_FOUND = "A3"  # returned as unprocessable: the payer is unknown to the clearinghouse
ENTITY_NOT_FOUND = "26"
SUBSCRIBER_AND_ID_NOT_FOUND = "33"
ENTITY_ID_INVALID = "562"  # entity's National Provider Identifier (NPI)
DATE_OF_SERVICE = "187"
PAYER = "PR"
INSURED = "IL"
BILLING_PROVIDER = "85"
RENDERING_PROVIDER = "82"
NO_ENTITY = ""  # a date of service names no entity (STC01-3 is optional)


@dataclass(frozen=True)
class Rejection:
    category: str  # STC01-1
    status: str  # STC01-2
    entity: str  # STC01-3
    message: str  # plain English, no PHI

    @property
    def code(self) -> str:
        return ":".join(part for part in (self.category, self.status, self.entity) if part)


def front_end_edits(claim: SubmittedClaim, config: SandboxConfig) -> list[Rejection]:
    """Every reason the payer's front end rejects the claim; [] when it is accepted for adjudication."""
    rejections: list[Rejection] = []
    contract = config.payers.get(claim.payer_id)
    if contract is None:
        rejections.append(Rejection(NOT_FOUND, ENTITY_NOT_FOUND, PAYER,
                                    f"payer id '{claim.payer_id}' is not a payer of this clearinghouse"))
    elif claim.member_id not in contract.members:
        rejections.append(Rejection(ACKNOWLEDGED_REJECTED, SUBSCRIBER_AND_ID_NOT_FOUND, INSURED,
                                    f"the subscriber's member id is not on file with payer '{claim.payer_id}'"))
    if not npi_is_valid(claim.billing_provider_npi):
        rejections.append(Rejection(ACKNOWLEDGED_REJECTED, ENTITY_ID_INVALID, BILLING_PROVIDER,
                                    f"billing provider NPI '{claim.billing_provider_npi}' fails the NPI check digit"))
    if claim.rendering_provider_npi and not npi_is_valid(claim.rendering_provider_npi):
        rejections.append(Rejection(
            ACKNOWLEDGED_REJECTED, ENTITY_ID_INVALID, RENDERING_PROVIDER,
            f"rendering provider NPI '{claim.rendering_provider_npi}' fails the NPI check digit"))
    rejections.extend(_date_rejections(claim))
    return rejections


def _date_rejections(claim: SubmittedClaim) -> list[Rejection]:
    patient = claim.patient or claim.subscriber
    whose = "patient" if claim.patient is not None else "subscriber"
    after_received: list[int] = []
    before_birth: list[int] = []
    ends_before_start: list[int] = []
    for line in claim.lines:
        last = line.service_date_to or line.service_date
        if line.service_date > claim.received_on or last > claim.received_on:
            after_received.append(line.line_number)
        if patient.birth_date is not None and line.service_date < patient.birth_date:
            before_birth.append(line.line_number)
        if line.service_date_to is not None and line.service_date_to < line.service_date:
            ends_before_start.append(line.line_number)
    rejections: list[Rejection] = []
    if after_received:
        rejections.append(
            _date_rejection(f"service date after the date the claim was received ({_lines(after_received)})"))
    if before_birth:
        rejections.append(_date_rejection(f"service date before the {whose}'s birth date ({_lines(before_birth)})"))
    if ends_before_start:
        rejections.append(_date_rejection(f"service end date before its start date ({_lines(ends_before_start)})"))
    return rejections


def _date_rejection(message: str) -> Rejection:
    return Rejection(ACKNOWLEDGED_REJECTED, DATE_OF_SERVICE, NO_ENTITY, message)


def _lines(numbers: list[int]) -> str:
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(str(number) for number in numbers)
