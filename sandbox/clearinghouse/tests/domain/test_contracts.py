"""Payer contract YAML: the README's example parses; a bad file lists every bad field with its path."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from openrcm_sandbox.domain.contracts import ContractError, load_contracts, parse_contracts

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    match = re.search(r"## Payer contracts \(YAML\)\n```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match, "the README's contract example is missing"
    return match.group(1)


def test_the_readme_example_parses_into_contracts():
    config = parse_contracts(readme_example())

    assert config.seed == 20261205
    assert config.business_date == date(2026, 12, 1)
    payer = config.payers["SBX01"]
    assert (payer.name, payer.claim_filing_indicator, payer.payment_method, payer.timely_filing_days) == (
        "Sandbox Commercial PPO", "12", "ACH", 90)
    assert payer.allowed == {"99213": Decimal("92.00"), "83036": Decimal("13.00")}
    assert payer.unlisted_percent_of_charge is None
    plan = payer.plans["PPO-GOLD"]
    assert (plan.deductible, plan.coinsurance_percent, plan.out_of_pocket_max) == (
        Decimal("500.00"), Decimal("20.00"), Decimal("3000.00"))
    assert plan.copays == {"99213": Decimal("25.00")}
    member = payer.members["SBX100001"]
    assert (member.plan, member.eligible_from, member.eligible_to) == ("PPO-GOLD", date(2026, 1, 1), date(2026, 12, 31))
    assert (member.deductible_met, member.out_of_pocket_met) == (Decimal("0.00"), Decimal("0.00"))
    # Prefixes are compared without dots, like the diagnoses the 837P carries.
    assert payer.medical_necessity["83036"] == ("E08", "E09", "E10", "E11", "E13", "R73", "Z131")
    assert payer.bundled_pairs == (("99213", "36415"),)
    assert payer.prior_authorization == frozenset({"72148", "70553"})
    [rule] = payer.provider_adjustments
    assert (rule.npi, rule.reason, rule.reference) == ("1234567893", "WO", "OVP-2026-0001")
    assert rule.amount == Decimal("15.00")


def test_the_shipped_example_files_parse():
    examples = sorted((README.parent / "src" / "openrcm_sandbox" / "examples").glob("*.yaml"))
    if not examples:
        pytest.skip("no example contract file shipped yet")
    for example in examples:
        assert load_contracts(example).payers, example


def test_percent_of_charge_and_the_rate_lookup_by_modifier(payer):
    config = payer.config()

    assert config.payers["SBX02"].unlisted_percent_of_charge == Decimal("60.00")
    sbx01 = config.payers["SBX01"]
    assert sbx01.rate("99213", ("25",)) == Decimal("100.00")
    assert sbx01.rate("99213", ("59",)) == Decimal("92.00")
    assert sbx01.rate("99499", ()) is None
    assert sbx01.members["SBX100002"].eligible_to is None


BAD = """
seed: "many"
payers:
  - payer_id: "SBX01"
    name: "Broken"
    claim_filing_indicator: CI
    payment_method: WIRE
    timely_filing_days: -1
    allowed:
      "99213": "ninety"
    unlisted_procedures: sometimes
    plans:
      GOLD: {deductible: "500.00", coinsurance_percent: "120"}
    members:
      - {member_id: "M1", plan: GOLD, eligible_from: 2026-01-01}
      - {member_id: "M2", plan: GOLD, eligible_from: "yesterday"}
      - {member_id: "M3", plan: X, eligible_from: 2026-01-01, eligible_to: 2025-01-01}
      - {member_id: "M1", plan: GOLD, eligible_from: 2026-01-01}
    bundled_pairs: [["99213"]]
    provider_adjustments:
      - {npi: "1234567890", reason: WO, reference: R1, amount: "15.00"}
  - name: "No id"
    claim_filing_indicator: CI
    timely_filing_days: 90
"""


def test_a_bad_file_lists_every_bad_field_with_its_path():
    with pytest.raises(ContractError) as raised:
        parse_contracts(BAD)

    errors = raised.value.errors
    expected = [
        "seed: must be a whole number",
        "payers[0].claim_filing_indicator: 'CI' is not an 835 CLP06 code",
        "payers[0].payment_method: must be ACH or CHK, not 'WIRE'",
        "payers[0].timely_filing_days: must be a whole number of days >= 1",
        "payers[0].allowed.99213: must be an amount",
        "payers[0].unlisted_procedures: must be 'deny' or 'percent_of_charge:<percent>'",
        "payers[0].plans.GOLD.coinsurance_percent: must be a percent from 0 to 100",
        "payers[0].members[1].eligible_from: must be a date like 2026-01-01",
        "payers[0].members[2].plan: unknown plan 'X'",
        "payers[0].members[2].eligible_to: must not be before eligible_from",
        "payers[0].members[3].member_id: duplicate member id 'M1'",
        "payers[0].bundled_pairs[0]: must be a pair",
        "payers[0].provider_adjustments[0].npi: '1234567890' is not a valid NPI",
        "payers[1].payer_id: required",
        "payers[1].claim_filing_indicator: 'CI' is not an 835 CLP06 code",
    ]
    for prefix in expected:
        assert any(error.startswith(prefix) for error in errors), (prefix, errors)
    assert len(errors) == len(expected), errors
    assert "payers[0].members[2].plan: unknown plan 'X'" in str(raised.value)


@pytest.mark.parametrize("text, error", [
    ("- just a list", "the contract file must be a mapping"),
    ("seed: 1\n", "payers: required"),
    ("payers: [\n", "not valid YAML"),
])
def test_files_that_are_not_contracts_at_all(text, error):
    with pytest.raises(ContractError) as raised:
        parse_contracts(text)
    assert raised.value.errors[0].startswith(error)
