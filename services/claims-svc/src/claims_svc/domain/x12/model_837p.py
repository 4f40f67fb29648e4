"""What an 837P (005010X222A1) says, as plain values: the input of :func:`build_837p`.

Each claim carries its billing provider, subscriber, payer and (when not the subscriber) patient;
the builder groups equal ones into one HL loop each. Money and units are Decimal, dates are dates,
codes are X12 code values. Names and addresses are written uppercased. Loop ids are in the comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from openrcm_shared.x12 import InterchangeHeader

Sex = Literal["M", "F", "U"]
FrequencyCode = Literal["1", "7", "8"]  # CLM05-3: original, replacement, void
#: SBR01 / 2320 SBR01: the payer's responsibility sequence (P primary, S secondary, T tertiary; A-H for 4th-11th).
PayerResponsibility = Literal["P", "S", "T", "A", "B", "C", "D", "E", "F", "G", "H", "U"]


@dataclass(frozen=True, slots=True)
class PersonName:
    last: str
    first: str = ""
    middle: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    state: str
    postal_code: str  # 5 or 9 digits; the billing provider's must have 9
    line2: str = ""


@dataclass(frozen=True, slots=True)
class Submitter:
    """1000A: who sends the claims (NM1*41) and whom to call about them (PER*IC)."""

    name: str
    id: str  # NM109 (46): the submitter id the receiver assigned (ETIN)
    contact_name: str
    phone: str  # digits only
    email: str = ""


@dataclass(frozen=True, slots=True)
class Receiver:
    """1000B: the clearinghouse or payer that receives the transaction (NM1*40)."""

    name: str
    id: str  # NM109 (46)


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """2000A/2010AA (NM1*85), with the pay-to address 2010AB when payments go elsewhere."""

    npi: str
    tax_id: str  # REF02: EIN (9 digits, no dash) or SSN
    address: Address  # a street address, not a post office box
    organization_name: str = ""  # an organization (NM102 2) ...
    person_name: PersonName | None = None  # ... or an individual provider billing in their own name (NM102 1)
    tax_id_qualifier: Literal["EI", "SY"] = "EI"
    taxonomy: str = ""  # PRV*BI*PXC
    pay_to_address: Address | None = None


@dataclass(frozen=True, slots=True)
class Provider:
    """2310A referring (NM1*DN) or 2310B rendering (NM1*82) provider."""

    npi: str
    name: PersonName
    taxonomy: str = ""  # rendering only: PRV*PE*PXC


@dataclass(frozen=True, slots=True)
class Subscriber:
    """2000B/2010BA: the insured of the payer this claim goes to (SBR, NM1*IL, N3/N4, DMG).

    SBR02 is 18 (self) when the claim has no separate patient; otherwise the patient's
    relationship is in :class:`Patient`. Address, date of birth and sex are required when the
    subscriber is the patient.
    """

    member_id: str
    name: PersonName
    date_of_birth: date | None = None
    sex: Sex | None = None
    address: Address | None = None
    payer_responsibility: PayerResponsibility = "P"
    claim_filing_indicator: str = "CI"  # SBR09: CI commercial, MB Medicare Part B, MC Medicaid, BL BCBS, HM HMO ...
    group_number: str = ""  # SBR03
    group_name: str = ""  # SBR04
    #: SBR05, required when the payer is Medicare and not primary: 12 working aged, 13 ESRD, 14 no-fault,
    #: 15 workers' compensation, 16 public health service, 41 black lung, 42 veterans, 43 disabled, 47 other liability.
    insurance_type_code: str = ""


@dataclass(frozen=True, slots=True)
class Patient:
    """2000C/2010CA, when the patient is not the subscriber (PAT, NM1*QC, N3/N4, DMG)."""

    #: PAT01: 01 spouse, 19 child, 20 employee, 21 unknown, 39 organ donor, 40 cadaver donor, 53 life partner, G8 other.
    relationship: str
    name: PersonName
    date_of_birth: date
    sex: Sex
    address: Address


@dataclass(frozen=True, slots=True)
class Payer:
    """2010BB (NM1*PR) or 2330B: the payer's name and the id the receiver knows it by."""

    name: str
    payer_id: str  # NM109 (PI)
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triplet: group (CO, PR, OA, PI, CR), CARC reason code, amount, optional quantity."""

    group: str
    reason_code: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """2430: how another payer adjudicated one service line (SVD, CAS, DTP*573)."""

    payer_id: str  # SVD01: the 2330B payer id of that payer
    paid_amount: Decimal
    procedure_code: str
    adjudication_date: date
    modifiers: tuple[str, ...] = ()
    paid_units: Decimal = Decimal(1)
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """2400: LX, SV1, DTP*472, REF*6R, then 2430 per other payer that adjudicated the line."""

    procedure_code: str  # CPT or HCPCS (SV101-1 HC)
    charge: Decimal
    units: Decimal
    service_date: date
    diagnosis_pointers: tuple[int, ...]  # 1-4 positions in Claim.diagnoses, counted from 1
    modifiers: tuple[str, ...] = ()
    service_date_to: date | None = None  # a range (RD8) when it differs from service_date
    place_of_service: str = ""  # SV105: only when it differs from the claim's
    unit_basis: Literal["UN", "MJ"] = "UN"  # units or minutes
    line_control_number: str = ""  # REF*6R; payers echo it on the 835 service line
    adjudications: tuple[LineAdjudication, ...] = ()


@dataclass(frozen=True, slots=True)
class OtherPayer:
    """2320/2330A/2330B: another payer of this claim and, once it has adjudicated, what it did.

    Balancing (TR3 1.4.1.4): CLM02 = AMT*D + claim CAS + the 2430 CAS of this payer, and per line
    SV102 = this payer's SVD02 + 2430 CAS. The builder refuses a claim that does not balance.
    """

    payer: Payer
    subscriber_name: PersonName
    subscriber_member_id: str
    responsibility: PayerResponsibility  # SBR01 of the other payer
    relationship: str  # SBR02: the patient's relationship to the other subscriber (18 self, 01 spouse, 19 child ...)
    claim_filing_indicator: str  # SBR09
    paid_amount: Decimal | None = None  # AMT*D; None while that payer has not adjudicated
    claim_adjustments: tuple[Adjustment, ...] = ()
    remaining_patient_liability: Decimal | None = None  # AMT*EAF
    group_number: str = ""
    insurance_type_code: str = ""  # SBR05 when that payer is Medicare and not primary
    subscriber_address: Address | None = None
    adjudication_date: date | None = None  # 2330B DTP*573, sent when no line of the claim carries a 2430 date
    payer_claim_control_number: str = ""  # 2330B REF*F8
    benefits_assignment: Literal["Y", "N", "W"] = "Y"  # OI03
    release_of_information: Literal["I", "Y"] = "Y"  # OI06


@dataclass(frozen=True, slots=True)
class Claim:
    """2300 and below, with the parties of the HL loops above it."""

    patient_control_number: str  # CLM01
    total_charge: Decimal  # CLM02: the sum of the line charges
    place_of_service: str  # CLM05-1
    diagnoses: tuple[str, ...]  # ICD-10-CM, principal first (HI ABK, then ABF); 1-12
    lines: tuple[ServiceLine, ...]  # 1-50
    billing_provider: BillingProvider
    subscriber: Subscriber
    payer: Payer
    patient: Patient | None = None  # None: the subscriber is the patient
    frequency_code: FrequencyCode = "1"
    payer_claim_control_number: str = ""  # REF*F8, required for 7 (replacement) and 8 (void)
    prior_authorization: str = ""  # REF*G1
    referring_provider: Provider | None = None
    rendering_provider: Provider | None = None  # when it differs from the billing provider
    other_payers: tuple[OtherPayer, ...] = ()
    provider_signature: Literal["Y", "N"] = "Y"  # CLM06
    assignment: Literal["A", "B", "C"] = "A"  # CLM07: accepts assignment
    benefits_assignment: Literal["Y", "N", "W"] = "Y"  # CLM08
    release_of_information: Literal["I", "Y"] = "Y"  # CLM09


@dataclass(frozen=True, slots=True)
class Batch:
    """The claims of one payer route, written as one interchange with one functional group."""

    submitter: Submitter
    receiver: Receiver
    interchange: InterchangeHeader
    application_sender_code: str  # GS02
    application_receiver_code: str  # GS03
    reference: str  # BHT03: our id of the batch (ST02 is appended when the batch takes several transaction sets)
    claims: Sequence[Claim]
