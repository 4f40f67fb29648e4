"""What the sandbox reads out of an 837P claim: the facts a payer's front end and adjudication use. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from openrcm_sandbox.domain.remittance import Adjustment


@dataclass(frozen=True)
class SubmittedLine:
    """2400: one service line."""

    line_number: int  # LX01
    procedure_code: str  # SV101-2 (CPT/HCPCS)
    modifiers: tuple[str, ...]  # SV101-3..6
    charge: Decimal  # SV102
    units: Decimal  # SV104
    service_date: date  # DTP*472 (from)
    service_date_to: date | None = None  # DTP*472 RD8 (to)
    line_control_number: str = ""  # REF*6R: echoed in the 835 so payments-svc matches the line
    diagnosis_pointers: tuple[int, ...] = ()  # SV107 (1-based into SubmittedClaim.diagnoses)
    prior_paid: Decimal | None = None  # 2430 SVD02 on a secondary claim: what the other payer paid
    prior_adjustments: tuple[Adjustment, ...] = ()  # 2430 CAS on a secondary claim


@dataclass(frozen=True)
class OtherPayer:
    """2320/2330B on a secondary claim: the payer that adjudicated before this one."""

    payer_id: str  # 2330B NM109
    responsibility: str  # 2320 SBR01 (P for the primary)
    paid: Decimal  # AMT*D
    claim_adjustments: tuple[Adjustment, ...] = ()  # 2320 CAS
    adjudication_date: date | None = None  # 2330B DTP*573


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    birth_date: date | None  # DMG02
    gender: str = ""  # DMG03


@dataclass(frozen=True)
class SubmittedClaim:
    """One CLM with its context from the HL loops above it."""

    tenant_id: str  # the drop directory / X-Tenant-ID the file came in under
    file_name: str  # the batch file it came in
    transaction_control_number: str  # ST02 (the 999 answers per ST)
    received_on: date  # the sandbox's business date when the file came in (timely filing counts to it)
    billing_provider_npi: str  # 2010AA NM109
    billing_provider_name: str
    billing_provider_tax_id: str  # 2010AA REF*EI
    payer_id: str  # 2010BB NM109
    payer_name: str
    member_id: str  # 2010BA NM109
    subscriber: Person
    responsibility: str  # 2000B SBR01: P primary, S secondary, T tertiary
    patient: Person | None  # 2010CA when the patient is not the subscriber; None = the subscriber
    patient_relationship: str  # 2000B SBR02 "18" (self) or 2000C PAT01
    patient_control_number: str  # CLM01: the 835's CLP01 echoes it
    total_charge: Decimal  # CLM02
    place_of_service: str  # CLM05-1
    frequency_code: str  # CLM05-3: 1 original, 7 replacement, 8 void
    payer_claim_number: str  # REF*F8: the original's payer claim number on a 7 or 8
    prior_authorization: str  # REF*G1
    diagnoses: tuple[str, ...]  # HI, as sent (no dots, e.g. "E119")
    rendering_provider_npi: str  # 2310B NM109 ("" = the billing provider renders)
    lines: tuple[SubmittedLine, ...]
    other_payers: tuple[OtherPayer, ...] = ()  # 2320 loops (secondary/tertiary claims)

    @property
    def first_service_date(self) -> date:
        return min(line.service_date for line in self.lines)

    @property
    def last_service_date(self) -> date:
        return max(line.service_date_to or line.service_date for line in self.lines)


@dataclass(frozen=True)
class TransactionSet:
    """One ST..SE of an 837P file, as read: its claims, or why it could not be read."""

    control_number: str  # ST02
    claims: tuple[SubmittedClaim, ...] = field(default_factory=tuple)
