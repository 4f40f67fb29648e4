"""Fixtures of the sandbox tests: 837P files as claims-svc writes them (its real builder), and pyx12.

Test folders are not packages, so builders are handed out as fixtures.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import pyx12.params
import pyx12.x12n_document

from claims_svc.domain.x12 import build_837p, transaction_sets_needed
from claims_svc.domain.x12.model_837p import (
    Address, Batch, BillingProvider, Claim, Patient, Payer, PersonName, Provider, Receiver, ServiceLine, Submitter,
    Subscriber,
)
from openrcm_shared.x12 import EnvelopeNumbers, InterchangeHeader

CREATED_AT = datetime(2026, 11, 30, 9, 30)
DOS = date(2026, 11, 16)
STREET = Address("123 MAIN ST", "SPRINGFIELD", "IL", "627011234")
HOME = Address("45 ELM AVE", "SPRINGFIELD", "IL", "62704")
BILLING = BillingProvider(npi="1234567893", tax_id="371234567", address=STREET,
                          organization_name="Prairie Family Medicine", taxonomy="207Q00000X")
PAYER = Payer("Sandbox Commercial PPO", "SBX01")


def line(code: str = "99213", charge: str = "125.00", pointers: tuple[int, ...] = (1,), **fields: Any) -> ServiceLine:
    values: dict[str, Any] = {"units": Decimal(1), "service_date": DOS}
    values.update(fields)
    return ServiceLine(procedure_code=code, charge=Decimal(charge), diagnosis_pointers=pointers, **values)


def subscriber(member_id: str = "SBX100001", last: str = "Doe", first: str = "Jane", **fields: Any) -> Subscriber:
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
        submitter=Submitter("Prairie Billing Services", "SUB123", "Pat Biller", "2175550100"),
        receiver=Receiver("OpenRCM Sandbox", "SANDBOX"),
        interchange=InterchangeHeader(sender_id="SUB123", receiver_id="SANDBOX", usage="T"),
        application_sender_code="SUB123", application_receiver_code="SANDBOX", reference=reference,
        claims=list(claims),
    )


def build(batch_: Batch, *, interchange: int = 1, line_break: bool = True) -> str:
    """claims-svc's own 837P writer, control numbers interchange/1/1..n."""
    sets = transaction_sets_needed(len(batch_.claims))
    numbers = EnvelopeNumbers(interchange=interchange, group=interchange, transactions=tuple(range(1, sets + 1)))
    return build_837p(batch_, numbers, created_at=CREATED_AT, line_break=line_break)


@dataclass
class Samples:
    line: Any = line
    subscriber: Any = subscriber
    claim: Any = claim
    dependent: Any = dependent
    batch: Any = batch
    build: Any = build
    dos: date = DOS


@pytest.fixture
def x837() -> Samples:
    return Samples()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def pyx12_errors(x12: str) -> list[str]:
    """Everything pyx12 reports about ``x12`` (an empty list: it passed its map)."""
    logger = logging.getLogger("pyx12")
    collect = _Collect()
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    try:
        passed = pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=io.StringIO(x12),
                                                   fd_997=None, fd_html=None)
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate
    if not passed and not collect.messages:
        collect.messages.append("pyx12 failed without a message")
    return collect.messages


@pytest.fixture
def pyx12_check():
    return pyx12_errors


# ---------------------------------------------------------------- the sandbox itself
EXAMPLE_CONTRACTS = Path(__file__).parents[1] / "src/openrcm_sandbox/examples/example.yaml"


@pytest.fixture
def example_config():
    from openrcm_sandbox.domain.contracts import load_contracts

    return load_contracts(EXAMPLE_CONTRACTS)


@pytest.fixture
def make_sandbox(tmp_path, example_config):
    """A sandbox over the example contracts with its own era and drop directories under ``tmp_path/<name>``."""
    from openrcm_sandbox.application.clearinghouse import Sandbox

    def make(name: str = "one", **kwargs: Any):
        root = tmp_path / name
        return Sandbox(kwargs.pop("config", example_config), era_directory=root / "era",
                       drop_directory=root / "drop", **kwargs)

    return make
