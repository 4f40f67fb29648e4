"""Event builders shared by the unit and integration tests, as fixtures (test folders are not packages)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from openrcm_shared.contracts import (
    Adjustment, CodedServiceLine, Coverage, DenialRaised, Diagnosis, EncounterCoded, PartyName, Patient,
    PatientResponsibility, PayerRef, PaymentInfo, Provider, RemitReceived, Subscriber,
)
from openrcm_shared.contracts.events import DenialCategory, Department, RecommendedAction

CODED_AT = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
DATE_OF_SERVICE = date(2026, 11, 16)
PATIENT = Patient(patient_id="MRN-1", name=PartyName(last="Doe", first="Jo"), date_of_birth=date(1970, 1, 2), sex="M")
PAYER = PayerRef(payer_id="ACME01", name="Acme")


def coded(
    *, encounter_id: uuid.UUID | None = None, revision: int = 1, charges: tuple[str | None, ...] = ("125.00", "40.00"),
    self_pay: bool = False,
) -> EncounterCoded:
    """A coded encounter with one line per charge (None: the EHR sent no charge)."""
    coverage = Coverage(sequence="primary", payer_id=PAYER.payer_id, payer_name=PAYER.name, member_id="M1",
                        relationship_to_subscriber="18", subscriber=Subscriber(name=PATIENT.name))
    return EncounterCoded(
        encounter_id=encounter_id or uuid.uuid4(), revision=revision, source_system="ehr", external_encounter_id="E1",
        patient=PATIENT, coverages=[] if self_pay else [coverage],
        billing_provider=Provider(npi="1234567893", organization_name="Clinic"), place_of_service="11",
        service_date_from=DATE_OF_SERVICE, service_date_to=DATE_OF_SERVICE, diagnoses=[Diagnosis(sequence=1, code="E119")],
        service_lines=[
            CodedServiceLine(line_number=n, code_system="CPT", procedure_code=code, units=Decimal(1),
                             diagnosis_pointers=[1], service_date=DATE_OF_SERVICE,
                             charge=None if charge is None else Decimal(charge))
            for n, (code, charge) in enumerate(zip(("99213", "83036", "93000"), charges), start=1)
        ],
        coded_at=CODED_AT,
    )


def remit(
    *, claim_id: uuid.UUID, encounter_id: uuid.UUID, patient_control_number: str, outcome: str = "paid",
    paid: str = "100.00", payer_claim_number: str | None = "PCC-9",
) -> RemitReceived:
    """The payer's answer to a claim; the patient owes a 20.00 deductible unless it was denied or reversed."""
    patient_share = Decimal("20.00") if outcome in ("paid", "partially_paid") else Decimal("0.00")
    return RemitReceived(
        remit_claim_id=uuid.uuid4(), remittance_id=uuid.uuid4(), claim_id=claim_id, encounter_id=encounter_id,
        patient_control_number=patient_control_number, payer_claim_control_number=payer_claim_number, payer=PAYER,
        coverage_sequence="primary", patient=PATIENT,
        claim_status_code={"denied": "4", "reversed": "22"}.get(outcome, "1"), outcome=outcome,
        total_charge=Decimal("165.00"), total_paid=Decimal(paid),
        patient_responsibility=PatientResponsibility(deductible=patient_share),
        payment=PaymentInfo(trace_number="T1", method="ACH", amount=Decimal(paid)),
    )


def denial(*, claim_id: uuid.UUID, encounter_id: uuid.UUID, owner: Department = Department.BILLING) -> DenialRaised:
    """A claim-level denial: CO-16 (missing information, billing's) or CO-50 (medical necessity, coding's)."""
    billing = owner == Department.BILLING
    return DenialRaised(
        denial_id=uuid.uuid4(), remittance_id=uuid.uuid4(), remit_claim_id=uuid.uuid4(), claim_id=claim_id,
        encounter_id=encounter_id, patient_control_number="ANY", payer=PAYER, level="claim",
        adjustments=[Adjustment(group="CO", reason_code="16" if billing else "50", amount=Decimal("165.00"))],
        remark_codes=["MA130"] if billing else ["N115"], denied_amount=Decimal("165.00"),
        category=DenialCategory.MISSING_INFORMATION if billing else DenialCategory.CODING, owning_department=owner,
        recommended_action=RecommendedAction.CORRECT_AND_RESUBMIT if billing else RecommendedAction.RECODE,
        explanation="The payer needs more information.",
    )


@pytest.fixture
def make_coded() -> Callable[..., EncounterCoded]:
    return coded


@pytest.fixture
def make_remit() -> Callable[..., RemitReceived]:
    return remit


@pytest.fixture
def make_denial() -> Callable[..., DenialRaised]:
    return denial


@pytest.fixture
def coded_at() -> datetime:
    return CODED_AT

