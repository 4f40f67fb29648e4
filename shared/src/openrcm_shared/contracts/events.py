"""Event payloads, version 1.

Each event snapshots what its consumers need, so no service reads another's database.
Money is Decimal (a string on the wire); dates of service are dates.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from openrcm_shared.contracts.envelope import EventContract

Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
Code = Annotated[str, Field(min_length=1, max_length=20)]


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------- people, payers, providers
class Address(_Part):
    line1: str
    line2: str | None = None
    city: str
    state: str = Field(min_length=2, max_length=2)
    postal_code: str


class PartyName(_Part):
    last: str
    first: str | None = None
    middle: str | None = None
    suffix: str | None = None


class Patient(_Part):
    patient_id: str = Field(description="The practice's patient identifier (MRN) from the EHR.")
    name: PartyName
    date_of_birth: date
    sex: Literal["M", "F", "U"]
    address: Address | None = None
    phone: str | None = None


class Subscriber(_Part):
    name: PartyName
    date_of_birth: date | None = None
    sex: Literal["M", "F", "U"] | None = None
    address: Address | None = None


class Coverage(_Part):
    sequence: Literal["primary", "secondary", "tertiary"]
    payer_id: str
    payer_name: str
    member_id: str
    group_number: str | None = None
    relationship_to_subscriber: str = Field(
        description="X12 individual relationship code: 18 self, 01 spouse, 19 child, 20 employee, G8 other."
    )
    subscriber: Subscriber
    insurance_type_code: str | None = Field(
        default=None,
        description="Why Medicare is not primary (X12 SBR05, Medicare Secondary Payer type: 12 working aged, "
        "13 ESRD, 14 no-fault, 15 workers' compensation, 16 public health service, 41 black lung, 42 veterans, "
        "43 disability, 47 other liability). Set on a Medicare coverage that is not primary.",
    )


class Provider(_Part):
    npi: str = Field(pattern=r"^\d{10}$")
    name: PartyName | None = None
    organization_name: str | None = None
    taxonomy: str | None = None
    tax_id: str | None = None
    address: Address | None = None


class PayerRef(_Part):
    payer_id: str
    name: str


# ---------------------------------------------------------------- coding
class Diagnosis(_Part):
    sequence: int = Field(ge=1, le=12)
    code: str = Field(description="ICD-10-CM without the dot, e.g. E119.")


class CodedServiceLine(_Part):
    line_number: int = Field(ge=1, le=50)
    code_system: Literal["CPT", "HCPCS"]
    procedure_code: Code
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    units: Decimal = Field(gt=0, max_digits=9, decimal_places=3)
    diagnosis_pointers: list[int] = Field(min_length=1, max_length=4)
    service_date: date
    charge: Amount | None = Field(default=None, description="Charge sent by the EHR, if any.")


class EncounterCoded(EventContract):
    event_type = "EncounterCoded"
    event_version = 1
    domain = "coding"
    topic_name = "encounter-coded"

    encounter_id: uuid.UUID
    revision: int = Field(ge=1, description="1 for the first release; each corrected release adds one.")
    source_system: str
    external_encounter_id: str
    patient: Patient
    guarantor: PartyName | None = Field(default=None, description="When someone else pays the patient's bills.")
    guarantor_address: Address | None = None
    coverages: list[Coverage] = Field(default_factory=list, description="Primary first; empty for self-pay.")
    billing_provider: Provider
    rendering_provider: Provider | None = None
    referring_provider: Provider | None = None
    facility_name: str | None = None
    place_of_service: str = Field(pattern=r"^\d{2}$")
    service_date_from: date
    service_date_to: date
    prior_authorization_number: str | None = None
    diagnoses: list[Diagnosis] = Field(min_length=1, max_length=12)
    service_lines: list[CodedServiceLine] = Field(min_length=1, max_length=50)
    coded_at: datetime

    def aggregate_id(self) -> str:
        return str(self.encounter_id)


# ---------------------------------------------------------------- claims
class SubmittedServiceLine(_Part):
    line_number: int = Field(ge=1)
    line_control_number: str = Field(description="REF*6R we sent; payers echo it in the 835.")
    procedure_code: Code
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    units: Decimal = Field(gt=0)
    charge: Amount
    service_date: date


class ClaimSubmitted(EventContract):
    event_type = "ClaimSubmitted"
    event_version = 1
    domain = "claims"
    topic_name = "claim-submitted"

    claim_id: uuid.UUID
    encounter_id: uuid.UUID
    encounter_revision: int = Field(ge=1)
    patient_control_number: str = Field(max_length=38, description="CLM01; payers echo it in CLP01.")
    frequency_code: Literal["1", "7", "8"] = Field(description="1 original, 7 replacement, 8 void.")
    original_payer_claim_number: str | None = None
    coverage_sequence: Literal["primary", "secondary", "tertiary"]
    payer: PayerRef
    member_id: str
    patient: Patient
    billing_provider_npi: str
    rendering_provider_npi: str | None = None
    service_date_from: date
    service_date_to: date
    total_charge: Amount
    lines: list[SubmittedServiceLine] = Field(min_length=1)
    submitted_at: datetime

    def aggregate_id(self) -> str:
        return str(self.claim_id)


# ---------------------------------------------------------------- remittance
class AdjustmentGroup(StrEnum):
    CONTRACTUAL = "CO"
    PATIENT_RESPONSIBILITY = "PR"
    OTHER = "OA"
    PAYER_INITIATED = "PI"
    CORRECTION = "CR"


class Adjustment(_Part):
    group: AdjustmentGroup
    reason_code: str = Field(min_length=1, max_length=5, description="CARC")
    amount: Amount
    quantity: Decimal | None = None


class PatientResponsibility(_Part):
    deductible: Amount = Decimal("0.00")
    coinsurance: Amount = Decimal("0.00")
    copay: Amount = Decimal("0.00")
    other: Amount = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.deductible + self.coinsurance + self.copay + self.other


class RemitLine(_Part):
    line_control_number: str | None = None
    procedure_code: Code
    modifiers: list[str] = Field(default_factory=list)
    units: Decimal | None = None
    service_date: date | None = None
    charge: Amount
    allowed: Amount | None = None
    paid: Amount
    adjustments: list[Adjustment] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list, description="RARC")
    patient_responsibility: PatientResponsibility = PatientResponsibility()


class PaymentInfo(_Part):
    trace_number: str = Field(description="TRN02: check or EFT trace number.")
    method: Literal["CHK", "ACH", "FWT", "BOP", "NON"]
    amount: Amount
    payment_date: date | None = None


class RemitReceived(EventContract):
    event_type = "RemitReceived"
    event_version = 1
    domain = "payments"
    topic_name = "remit-received"

    remit_claim_id: uuid.UUID = Field(description="Our id of this posted claim payment.")
    remittance_id: uuid.UUID
    claim_id: uuid.UUID
    encounter_id: uuid.UUID
    patient_control_number: str
    payer_claim_control_number: str | None = None
    payer: PayerRef
    coverage_sequence: Literal["primary", "secondary", "tertiary"]
    patient: Patient
    claim_status_code: str = Field(description="CLP02: 1 primary, 2 secondary, 3 tertiary, 4 denied, 22 reversal, ...")
    outcome: Literal["paid", "partially_paid", "denied", "reversed"]
    total_charge: Amount
    total_paid: Amount
    patient_responsibility: PatientResponsibility
    claim_adjustments: list[Adjustment] = Field(default_factory=list)
    remark_codes: list[str] = Field(default_factory=list)
    lines: list[RemitLine] = Field(default_factory=list)
    payment: PaymentInfo
    adjudicated_on: date | None = None
    reverses_remit_claim_id: uuid.UUID | None = None

    def aggregate_id(self) -> str:
        return str(self.claim_id)


class DenialCategory(StrEnum):
    CODING = "coding"
    ELIGIBILITY = "eligibility"
    AUTHORIZATION = "authorization"
    MISSING_INFORMATION = "missing_information"
    DUPLICATE = "duplicate"
    TIMELY_FILING = "timely_filing"
    NON_COVERED = "non_covered"
    COORDINATION_OF_BENEFITS = "coordination_of_benefits"
    CONTRACTUAL = "contractual"
    PATIENT_RESPONSIBILITY = "patient_responsibility"
    OTHER = "other"


class Department(StrEnum):
    CODING = "coding"
    BILLING = "billing"


class RecommendedAction(StrEnum):
    RECODE = "recode"
    CORRECT_AND_RESUBMIT = "correct_and_resubmit"
    APPEAL = "appeal"
    BILL_PATIENT = "bill_patient"
    WRITE_OFF = "write_off"


class DenialRaised(EventContract):
    event_type = "DenialRaised"
    event_version = 1
    domain = "payments"
    topic_name = "denial-raised"

    denial_id: uuid.UUID
    remittance_id: uuid.UUID
    remit_claim_id: uuid.UUID
    claim_id: uuid.UUID
    encounter_id: uuid.UUID
    patient_control_number: str
    payer: PayerRef
    level: Literal["claim", "line"]
    line_control_number: str | None = None
    procedure_code: str | None = None
    adjustments: list[Adjustment] = Field(min_length=1, description="The denying CAS entries.")
    remark_codes: list[str] = Field(default_factory=list)
    denied_amount: Amount
    category: DenialCategory
    owning_department: Department
    recommended_action: RecommendedAction
    explanation: str = Field(description="What the payer said and what to do, in plain English.")

    def aggregate_id(self) -> str:
        return str(self.claim_id)
