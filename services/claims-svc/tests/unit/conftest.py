"""837P fixtures: sample input models, and reading our output back (pyx12 validation: ../conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from claims_svc.domain.x12 import build_837p, transaction_sets_needed
from claims_svc.domain.x12.model_837p import (
    Address, Batch, BillingProvider, Claim, Patient, Payer, PersonName, Provider, Receiver, ServiceLine, Submitter,
    Subscriber,
)
from openrcm_shared.x12 import EnvelopeNumbers, InterchangeHeader, SegmentReader

CREATED_AT = datetime(2026, 11, 23, 9, 30)
DOS = date(2026, 11, 16)


# ---------------------------------------------------------------- sample input models
STREET = Address("123 MAIN ST", "SPRINGFIELD", "IL", "627011234")
HOME = Address("45 ELM AVE", "SPRINGFIELD", "IL", "62704", line2="APT 2")
BILLING = BillingProvider(npi="1234567893", tax_id="371234567", address=STREET,
                          organization_name="Prairie Family Medicine", taxonomy="207Q00000X")
PAYER = Payer("Acme Health Plan", "ACME01")


def line(code: str = "99213", charge: str = "125.00", pointers: tuple[int, ...] = (1,), **fields: Any) -> ServiceLine:
    values: dict[str, Any] = {"units": Decimal(1), "service_date": DOS}
    values.update(fields)
    return ServiceLine(procedure_code=code, charge=Decimal(charge), diagnosis_pointers=pointers, **values)


def subscriber(member_id: str = "W123456789", last: str = "Doe", first: str = "Jane", **fields: Any) -> Subscriber:
    values: dict[str, Any] = {"date_of_birth": date(1970, 1, 2), "sex": "F", "address": HOME}
    values.update(fields)
    return Subscriber(member_id=member_id, name=PersonName(last, first), **values)


def claim(pcn: str = "PCN0000000001", lines: tuple[ServiceLine, ...] | None = None, **fields: Any) -> Claim:
    lines = lines or (line(line_control_number=f"{pcn}-1"),)
    values: dict[str, Any] = {
        "place_of_service": "11", "diagnoses": ("E119",), "billing_provider": BILLING, "subscriber": subscriber(),
        "payer": PAYER, "rendering_provider": Provider("1245319599", PersonName("Welby", "Marcus"), "207Q00000X"),
    }
    values.update(fields)
    total = values.pop("total_charge", sum((item.charge for item in lines), Decimal(0)))
    return Claim(patient_control_number=pcn, total_charge=total, lines=lines, **values)


def dependent(relationship: str = "19", last: str = "Doe", first: str = "Tim") -> Patient:
    return Patient(relationship=relationship, name=PersonName(last, first), date_of_birth=date(2012, 5, 6), sex="M",
                   address=HOME)


def batch(*claims: Claim, reference: str = "BATCH0001") -> Batch:
    return Batch(
        submitter=Submitter("Prairie Billing Services", "SUB123", "Pat Biller", "2175550100", "billing@example.org"),
        receiver=Receiver("Gateway Clearinghouse", "GATEWAY1"),
        interchange=InterchangeHeader(sender_id="SUB123", receiver_id="GATEWAY1", usage="T"),
        application_sender_code="SUB123", application_receiver_code="GATEWAY1", reference=reference,
        claims=list(claims),
    )


def build(batch_: Batch, **kwargs: Any) -> str:
    """The interchange with readable line breaks and control numbers 1, 1, 1..n."""
    sets = transaction_sets_needed(len(batch_.claims))
    numbers = EnvelopeNumbers(interchange=1, group=1, transactions=tuple(range(1, sets + 1)))
    return build_837p(batch_, numbers, created_at=CREATED_AT, line_break=True, **kwargs)


@dataclass
class Samples:
    """The sample builders as one fixture (test folders are not packages, so tests cannot import them)."""

    line: Callable[..., ServiceLine] = line
    subscriber: Callable[..., Subscriber] = subscriber
    claim: Callable[..., Claim] = claim
    dependent: Callable[..., Patient] = dependent
    batch: Callable[..., Batch] = batch
    build: Callable[..., str] = build
    replace: Callable[..., Any] = replace
    billing: BillingProvider = BILLING
    payer: Payer = PAYER
    dos: date = DOS


@pytest.fixture
def x837() -> Samples:
    return Samples()


# ---------------------------------------------------------------- our output, read back
@dataclass
class ReadLine:
    procedure: list[str]
    charge: str
    units: str
    pointers: list[str]
    service_date: str
    control_number: str | None = None
    adjudications: list[list[str]] = field(default_factory=list)
    adjustments: list[list[str]] = field(default_factory=list)


@dataclass
class ReadClaim:
    pcn: str
    total: str
    facility: list[str]  # CLM05: place of service, B, frequency
    hierarchy: list[str]  # HL03 of the loops above: 20, 22 and 23 when there is a patient loop
    subscriber_member_id: str
    diagnoses: list[list[str]] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)
    other_payer_segments: list[list[str]] = field(default_factory=list)
    lines: list[ReadLine] = field(default_factory=list)


@dataclass
class ReadInterchange:
    segments: list[list[str]]
    claims: list[ReadClaim]


def read_837p(x12: str) -> ReadInterchange:
    """Our 837P read back with the shared reader: the fields the tests compare with the input."""
    reader = SegmentReader(x12)
    component = reader.separators.component
    segments = list(reader)
    claims: list[ReadClaim] = []
    levels: dict[str, tuple[str, str]] = {}  # HL01 -> (HL02 parent, HL03 level code)
    path: list[str] = []
    member_id = ""
    in_claim = False  # after CLM, until the next HL
    current_line: ReadLine | None = None  # from LX to the next LX, CLM or HL
    for segment in segments:
        tag = segment[0]
        if tag == "HL":
            levels[segment[1]] = (segment[2], segment[3])
            path, hl = [], segment[1]
            while hl:
                parent, code = levels[hl]
                path.insert(0, code)
                hl = parent
            in_claim, current_line = False, None
        elif tag == "NM1" and segment[1] == "IL" and not in_claim:
            member_id = segment[9]
        elif tag == "CLM":
            claims.append(ReadClaim(segment[1], segment[2], segment[5].split(component), list(path), member_id))
            in_claim, current_line = True, None
        elif not in_claim or tag in ("SE", "GE", "IEA"):
            continue
        elif tag == "LX":
            current_line = ReadLine([], "", "", [], "")
            claims[-1].lines.append(current_line)
        elif tag == "HI":
            claims[-1].diagnoses = [value.split(component) for value in segment[1:]]
        elif current_line is None and (tag == "SBR" or claims[-1].other_payer_segments):
            claims[-1].other_payer_segments.append(segment)  # 2320 and its 2330 loops
        elif tag == "REF" and current_line is None:
            claims[-1].refs[segment[1]] = segment[2]
        elif current_line is None:
            continue
        elif tag == "SV1":
            current_line.procedure = segment[1].split(component)
            current_line.charge, current_line.units = segment[2], segment[4]
            current_line.pointers = segment[7].split(component)
        elif tag == "DTP" and segment[1] == "472":
            current_line.service_date = segment[3]
        elif tag == "REF" and segment[1] == "6R":
            current_line.control_number = segment[2]
        elif tag == "SVD":
            current_line.adjudications.append(segment)
        elif tag == "CAS":
            current_line.adjustments.append(segment)
    return ReadInterchange(segments, claims)


@pytest.fixture
def read_back() -> Callable[[str], ReadInterchange]:
    return read_837p
