"""Builders shared by the unit and integration tests, as fixtures (test folders are not packages)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from openrcm_shared.contracts import (
    CodedServiceLine, Coverage, Diagnosis, EncounterCoded, PartyName, Patient, PatientResponsibility, PayerRef,
    PaymentInfo, Provider, RemitReceived, Subscriber,
)

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
DOS = date(2026, 11, 16)


def coded(revision: int = 1, encounter_id: uuid.UUID = uuid.UUID(int=7), charges: tuple[str | None, ...] = ("125.00", "40.00"), coverages: bool = True) -> EncounterCoded:
    patient = Patient(patient_id="MRN-1", name=PartyName(last="Doe", first="Jo"), date_of_birth=date(1970, 1, 2), sex="M")
    return EncounterCoded(
        encounter_id=encounter_id, revision=revision, source_system="ehr", external_encounter_id="E1",
        patient=patient,
        coverages=[Coverage(sequence="primary", payer_id="ACME01", payer_name="Acme", member_id="M1",
                            relationship_to_subscriber="18", subscriber=Subscriber(name=patient.name))] if coverages else [],
        billing_provider=Provider(npi="1234567893", organization_name="Clinic"), place_of_service="11",
        service_date_from=DOS, service_date_to=DOS, diagnoses=[Diagnosis(sequence=1, code="E119")],
        service_lines=[
            CodedServiceLine(line_number=n, code_system="CPT", procedure_code=code, units=Decimal(1),
                             diagnosis_pointers=[1], service_date=DOS, charge=Decimal(charge) if charge else None)
            for n, (code, charge) in enumerate(zip(("99213", "83036"), charges), start=1)
        ],
        coded_at=NOW,
    )


def remit(claim, outcome: str = "paid", paid: str = "100.00", payer_claim: str = "PCC-9") -> RemitReceived:  # type: ignore[no-untyped-def]
    return RemitReceived(
        remit_claim_id=uuid.uuid4(), remittance_id=uuid.uuid4(), claim_id=claim.id, encounter_id=claim.encounter_id,
        patient_control_number=claim.patient_control_number, payer_claim_control_number=payer_claim,
        payer=PayerRef(payer_id="ACME01", name="Acme"), coverage_sequence="primary",
        patient=Patient.model_validate(claim.patient), claim_status_code="4" if outcome == "denied" else "1",
        outcome=outcome, total_charge=claim.total_charge, total_paid=Decimal(paid),
        patient_responsibility=PatientResponsibility(deductible=Decimal("20.00")),
        payment=PaymentInfo(trace_number="T1", method="ACH", amount=Decimal(paid)),
    )


@pytest.fixture
def make_coded():  # type: ignore[no-untyped-def]
    return coded


@pytest.fixture
def make_remit():  # type: ignore[no-untyped-def]
    return remit
