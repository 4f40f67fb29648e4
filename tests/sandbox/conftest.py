"""837P files as claims-svc writes them (its real builder), for the sandbox contract tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claims_svc.domain.x12 import build_837p, transaction_sets_needed
from claims_svc.domain.x12.model_837p import (
    Address, Batch, BillingProvider, Claim, Payer, PersonName, Provider, Receiver, ServiceLine, Submitter, Subscriber,
)
from openrcm_sandbox.application.clearinghouse import Sandbox
from openrcm_sandbox.domain.contracts import load_contracts
from openrcm_shared.x12 import EnvelopeNumbers, InterchangeHeader

EXAMPLE = Path(__file__).parents[2] / "sandbox/clearinghouse/src/openrcm_sandbox/examples/example.yaml"
DOS = date(2026, 11, 16)
BILLING = BillingProvider(npi="1234567893", tax_id="371234567", address=Address("123 MAIN ST", "SPRINGFIELD", "IL",
                                                                              "627011234"),
                          organization_name="Prairie Family Medicine")
SBX01 = Payer("Sandbox Commercial PPO", "SBX01")


def line(code: str, charge: str = "125.00", **fields: Any) -> ServiceLine:
    values: dict[str, Any] = {"units": Decimal(1), "service_date": DOS, "diagnosis_pointers": (1,)}
    values.update(fields)
    return ServiceLine(procedure_code=code, charge=Decimal(charge), **values)


def claim(pcn: str, *lines: ServiceLine, member_id: str = "SBX100001", **fields: Any) -> Claim:
    lines = lines or (line("99213", line_control_number=f"{pcn}-1"),)
    values: dict[str, Any] = {
        "place_of_service": "11", "diagnoses": ("E119",), "billing_provider": BILLING, "payer": SBX01,
        "subscriber": Subscriber(member_id=member_id, name=PersonName("Doe", "Jane"), date_of_birth=date(1970, 1, 2),
                                 sex="F", address=Address("45 ELM AVE", "SPRINGFIELD", "IL", "62704")),
        "rendering_provider": Provider("1245319599", PersonName("Welby", "Marcus")),
    }
    values.update(fields)
    return Claim(patient_control_number=pcn, total_charge=sum((x.charge for x in lines), Decimal(0)), lines=lines,
                 **values)


def build(*claims: Claim, reference: str = "BATCH0001") -> str:
    batch = Batch(
        submitter=Submitter("Prairie Billing Services", "SUB123", "Pat Biller", "2175550100"),
        receiver=Receiver("OpenRCM Sandbox", "SANDBOX"),
        interchange=InterchangeHeader(sender_id="SUB123", receiver_id="SANDBOX", usage="T"),
        application_sender_code="SUB123", application_receiver_code="SANDBOX", reference=reference,
        claims=list(claims))
    sets = transaction_sets_needed(len(claims))
    return build_837p(batch, EnvelopeNumbers(1, 1, tuple(range(1, sets + 1))), created_at=datetime(2026, 11, 30, 9),
                      line_break=True)


class Builders:
    line = staticmethod(line)
    claim = staticmethod(claim)
    build = staticmethod(build)
    replace = staticmethod(replace)
    billing = BILLING
    dos = DOS


@pytest.fixture
def claims_svc_837() -> type[Builders]:
    return Builders


@pytest.fixture
def sandbox(tmp_path) -> Sandbox:
    return Sandbox(load_contracts(EXAMPLE), era_directory=tmp_path / "era", drop_directory=tmp_path / "drop")
