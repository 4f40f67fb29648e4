"""Event builders, reference data and the pyx12 check, shared by the unit and integration tests as fixtures
(test folders are not packages)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

import io
import logging
from typing import Any

import pytest
import pyx12.params
import pyx12.x12n_document

from claims_svc.domain.reference import BillingProfile, FeeSchedule, FeeScheduleEntry, Payer, SubmissionRoute
from claims_svc.domain.x12.model_837p import Address as X12Address
from claims_svc.domain.x12.model_837p import Receiver, Submitter
from openrcm_shared.contracts import (
    Address, Adjustment, CodedServiceLine, Coverage, DenialRaised, Diagnosis, EncounterCoded, PartyName, Patient,
    PatientResponsibility, PayerRef, PaymentInfo, Provider, RemitLine, RemitReceived, Subscriber,
)
from openrcm_shared.contracts.events import DenialCategory, Department, RecommendedAction
from openrcm_shared.x12 import InterchangeHeader

CODED_AT = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
DATE_OF_SERVICE = date(2026, 11, 16)
HOME = Address(line1="45 Elm Ave", city="Springfield", state="IL", postal_code="62704")
PATIENT = Patient(patient_id="MRN-1", name=PartyName(last="Doe", first="Jo"), date_of_birth=date(1970, 1, 2), sex="M",
                  address=HOME)
PAYER = PayerRef(payer_id="ACME01", name="Acme")
BILLING_NPI = "1234567893"


def coverage(sequence: str = "primary", payer_id: str = PAYER.payer_id, **fields: Any) -> Coverage:
    values: dict[str, Any] = {"payer_name": PAYER.name, "member_id": "M1", "relationship_to_subscriber": "18",
                              "subscriber": Subscriber(name=PATIENT.name)}
    values.update(fields)
    return Coverage(sequence=sequence, payer_id=payer_id, **values)  # type: ignore[arg-type]


def coded(
    *, encounter_id: uuid.UUID | None = None, revision: int = 1, charges: tuple[str | None, ...] = ("125.00", "40.00"),
    self_pay: bool = False, coverages: list[Coverage] | None = None, codes: tuple[str, ...] = ("99213", "83036", "93000"),
    patient: Patient = PATIENT, **fields: Any,
) -> EncounterCoded:
    """A coded encounter with one line per charge (None: the EHR sent no charge)."""
    return EncounterCoded(
        encounter_id=encounter_id or uuid.uuid4(), revision=revision, source_system="ehr", external_encounter_id="E1",
        patient=patient, coverages=[] if self_pay else (coverages if coverages is not None else [coverage()]),
        billing_provider=Provider(npi=BILLING_NPI, organization_name="Clinic"), place_of_service="11",
        service_date_from=DATE_OF_SERVICE, service_date_to=DATE_OF_SERVICE, diagnoses=[Diagnosis(sequence=1, code="E119")],
        service_lines=[
            CodedServiceLine(line_number=n, code_system="CPT", procedure_code=code, units=Decimal(1),
                             diagnosis_pointers=[1], service_date=DATE_OF_SERVICE,
                             charge=None if charge is None else Decimal(charge))
            for n, (code, charge) in enumerate(zip(codes, charges), start=1)
        ],
        coded_at=CODED_AT, **fields,
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
def make_coverage() -> Callable[..., Coverage]:
    return coverage


@pytest.fixture
def make_remit() -> Callable[..., RemitReceived]:
    return remit


def balanced_remit(claim: Any) -> RemitReceived:
    """The payer paid part of each line of ``claim`` (130.00 + 42.00 from the fee schedule): line 1 paid 80.00
    with CO-45 30.00 and PR-1 20.00, line 2 paid 30.00 with CO-45 12.00; every line balances."""
    shares = [(Decimal("80.00"), [("CO", "45", "30.00"), ("PR", "1", "20.00")]),
              (Decimal("30.00"), [("CO", "45", "12.00")])]
    lines = [RemitLine(line_control_number=line.line_control_number, procedure_code=line.procedure_code,
                       units=line.units, service_date=line.service_date, charge=line.charge, paid=paid,
                       adjustments=[Adjustment(group=g, reason_code=r, amount=Decimal(a)) for g, r, a in cas])
             for line, (paid, cas) in zip(claim.lines, shares)]
    return remit(claim_id=claim.id, encounter_id=claim.encounter_id, patient_control_number=claim.patient_control_number,
                 paid="110.00").model_copy(update={"lines": lines, "total_charge": claim.total_charge,
                                                   "adjudicated_on": date(2026, 12, 1)})


@pytest.fixture(name="balanced_remit")
def balanced_remit_fixture() -> Callable[[Any], RemitReceived]:
    return balanced_remit


@pytest.fixture
def make_denial() -> Callable[..., DenialRaised]:
    return denial


@pytest.fixture
def coded_at() -> datetime:
    return CODED_AT



# ---------------------------------------------------------------- the tenant's reference data
ROUTE_ID = "gateway"
REF_PAYER = Payer(payer_id=PAYER.payer_id, name="Acme Health Plan", claim_filing_indicator="CI", timely_filing_days=365,
                  prior_auth_procedures=frozenset({"70553"}), route_id=ROUTE_ID)
REF_BILLING = BillingProfile(npi=BILLING_NPI, organization_name="Prairie Family Medicine", tax_id="371234567",
                             address=X12Address("123 MAIN ST", "SPRINGFIELD", "IL", "627011234"), taxonomy="207Q00000X")
REF_ROUTE = SubmissionRoute(
    route_id=ROUTE_ID, clearinghouse="local-drop",
    submitter=Submitter("Prairie Billing Services", "SUB123", "Pat Biller", "2175550100"),
    receiver=Receiver("Gateway Clearinghouse", "GATEWAY1"),
    interchange=InterchangeHeader(sender_id="SUB123", receiver_id="GATEWAY1", usage="T"),
    application_sender_code="SUB123", application_receiver_code="GATEWAY1",
)
FEES = FeeSchedule([
    FeeScheduleEntry(uuid.uuid4(), "99213", "", Decimal("130.00"), date(2026, 1, 1)),
    FeeScheduleEntry(uuid.uuid4(), "83036", "", Decimal("42.00"), date(2026, 1, 1)),
])


@dataclass
class Reference:
    payer: Payer = REF_PAYER
    billing: BillingProfile = REF_BILLING
    route: SubmissionRoute = REF_ROUTE
    fees: FeeSchedule = FEES


@pytest.fixture
def reference() -> Reference:
    return Reference()


@pytest.fixture
def reference_bodies() -> dict[str, dict[str, Any]]:
    """The same reference data as API bodies (route, payer, billing profile, fee schedule rows)."""
    return {
        "route": {
            "route_id": ROUTE_ID, "clearinghouse": "local-drop",
            "submitter": {"name": "Prairie Billing Services", "id": "SUB123", "contact_name": "Pat Biller",
                          "phone": "2175550100"},
            "receiver": {"name": "Gateway Clearinghouse", "id": "GATEWAY1"},
            "interchange": {"sender_id": "SUB123", "receiver_id": "GATEWAY1", "usage": "T"},
            "application_sender_code": "SUB123", "application_receiver_code": "GATEWAY1",
        },
        "payer": {"payer_id": PAYER.payer_id, "name": "Acme Health Plan", "claim_filing_indicator": "CI",
                  "timely_filing_days": 365, "prior_auth_procedures": ["70553"], "route_id": ROUTE_ID},
        "billing_profile": {"npi": BILLING_NPI, "organization_name": "Prairie Family Medicine", "tax_id": "371234567",
                            "taxonomy": "207Q00000X",
                            "address": {"line1": "123 Main St", "city": "Springfield", "state": "IL",
                                        "postal_code": "627011234"}},
        "fees": [{"procedure_code": "99213", "charge": "130.00", "effective_from": "2026-01-01"},
                 {"procedure_code": "83036", "charge": "42.00", "effective_from": "2026-01-01"}],
    }


# ---------------------------------------------------------------- pyx12, the independent 837P validator
class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def pyx12_errors(x12: str) -> list[str]:
    """Everything pyx12 reports about ``x12``; an empty list means it passed.

    ``x12n_document`` walks the file against its 005010X222A1 map and reports every error through
    the ``pyx12`` logger (one ERROR record per finding) besides returning False.
    """
    logger = logging.getLogger("pyx12")
    collect = _Collect()
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    try:
        passed = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(), src_file=io.StringIO(x12), fd_997=None, fd_html=None,
        )
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    if not passed and not collect.messages:
        collect.messages.append("pyx12 returned failure without an error message")
    return collect.messages


def _numbered(x12: str) -> str:
    return "\n".join(f"{n:4d}  {line}" for n, line in enumerate(x12.replace("~\n", "~").split("~"), start=1))


@pytest.fixture
def assert_valid_837p() -> Callable[[str], None]:
    """Fail with pyx12's findings and the numbered file when pyx12 finds anything."""
    def check(x12: str) -> None:
        errors = pyx12_errors(x12)
        assert not errors, "pyx12 found errors:\n" + "\n".join(errors) + "\n\n" + _numbered(x12)
    return check
