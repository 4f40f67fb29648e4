"""Builders for the payer-domain tests: a contract file, and SubmittedClaims as the 837P reader makes them.

Test folders are not packages, so the builders are handed out by the ``payer`` fixture.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from openrcm_sandbox.domain.claims import OtherPayer, Person, SubmittedClaim, SubmittedLine
from openrcm_sandbox.domain.contracts import SandboxConfig, parse_contracts

CONTRACTS = """
seed: 7
business_date: 2026-12-01
payers:
  - payer_id: "SBX01"
    name: "Sandbox Commercial PPO"
    claim_filing_indicator: "12"
    payment_method: ACH
    timely_filing_days: 90
    allowed:
      "99213": "92.00"
      "99213-25": "100.00"
      "99214": "130.03"
      "83036": "13.00"
      "36415": "3.00"
      "72148": "400.00"
    unlisted_procedures: deny
    plans:
      PPO-GOLD:
        deductible: "100.00"
        coinsurance_percent: "20"
        copays: {"99213": "25.00"}
        out_of_pocket_max: "3000.00"
      PPO-CAP:
        deductible: "0.00"
        coinsurance_percent: "50"
        out_of_pocket_max: "100.00"
    members:
      - {member_id: "SBX100001", plan: PPO-GOLD, eligible_from: 2026-01-01, eligible_to: 2026-12-31}
      - {member_id: "SBX100002", plan: PPO-CAP, eligible_from: 2026-01-01, out_of_pocket_met: "60.00"}
    medical_necessity:
      "83036": ["E08", "E11", "R73", "Z13.1"]
    bundled_pairs:
      - ["99213", "36415"]
    prior_authorization: ["72148"]
    provider_adjustments:
      - {npi: "1234567893", reason: WO, reference: "OVP-2026-0001", amount: "15.00"}
  - payer_id: "SBX02"
    name: "Sandbox Supplement"
    claim_filing_indicator: "12"
    payment_method: CHK
    timely_filing_days: 365
    allowed:
      "99213": "80.00"
    unlisted_procedures: percent_of_charge:60
    plans:
      SUPP: {deductible: "0.00", coinsurance_percent: "0"}
    members:
      - {member_id: "SBX200001", plan: SUPP, eligible_from: 2026-01-01}
"""

BILLING_NPI = "1234567893"
OTHER_BILLING_NPI = "1497758544"
RENDERING_NPI = "1245319599"
DOS = date(2026, 11, 16)
RECEIVED = date(2026, 12, 1)


def line(procedure_code: str = "99213", charge: str = "150.00", **fields: Any) -> SubmittedLine:
    values: dict[str, Any] = {"line_number": 1, "modifiers": (), "units": Decimal(1), "service_date": DOS,
                              "diagnosis_pointers": (1,)}
    values.update(fields)
    return SubmittedLine(procedure_code=procedure_code, charge=Decimal(charge), **values)


def claim(pcn: str = "PCN0001", *lines: SubmittedLine, **fields: Any) -> SubmittedClaim:
    """A claim to SBX01 for member SBX100001 (the subscriber is the patient); lines are renumbered 1..n."""
    lines = tuple(replace(item, line_number=number, line_control_number=item.line_control_number or f"{pcn}-{number}")
                  for number, item in enumerate(lines or (line(),), start=1))
    values: dict[str, Any] = {
        "tenant_id": "tenant-a", "file_name": "batch1.x12", "transaction_control_number": "0001",
        "received_on": RECEIVED, "billing_provider_npi": BILLING_NPI,
        "billing_provider_name": "Prairie Family Medicine",
        "billing_provider_tax_id": "371234567", "payer_id": "SBX01", "payer_name": "Sandbox Commercial PPO",
        "member_id": "SBX100001", "subscriber": Person("Doe", "Jane", date(1970, 1, 2), "F"), "responsibility": "P",
        "patient": None, "patient_relationship": "18", "place_of_service": "11", "frequency_code": "1",
        "payer_claim_number": "", "prior_authorization": "", "diagnoses": ("E119",),
        "rendering_provider_npi": RENDERING_NPI,
    }
    values.update(fields)
    total = values.pop("total_charge", sum((item.charge for item in lines), Decimal(0)))
    return SubmittedClaim(patient_control_number=pcn, total_charge=total, lines=lines, **values)


@dataclass
class Builders:
    line: Any = line
    claim: Any = claim
    person: Any = Person
    other_payer: Any = OtherPayer
    contracts_yaml: str = CONTRACTS
    dos: date = DOS
    received: date = RECEIVED
    billing_npi: str = BILLING_NPI
    other_billing_npi: str = OTHER_BILLING_NPI

    def config(self) -> SandboxConfig:
        return parse_contracts(self.contracts_yaml)


@pytest.fixture
def payer() -> Builders:
    return Builders()


@pytest.fixture
def config(payer: Builders) -> SandboxConfig:
    return payer.config()
