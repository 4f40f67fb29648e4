"""The demo day's own bookkeeping, without running anything: the hand-worked totals agree with the
per-claim amounts, and the story's people are in the contract file the sandbox reads."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import yaml

from openrcm_devtools import demo_day
from openrcm_devtools.demo_day import BY_KEY, EXPECTED, EXPECTED_CLAIMS, REJECTED_KEYS, VISITS


def test_the_day_is_big_enough_and_spans_two_tenants_and_three_payers():
    assert len(VISITS) >= 50
    assert {v.practice.tenant_id for v in VISITS} == {"springfield-fp", "riverside-ch"}
    assert {payer.payer_id for v in VISITS for payer, _ in v.coverages} == {"SBXPPO", "SBXMCR", "SBXMCD"}
    assert len({v.patient_id for v in VISITS}) == len(VISITS)


def test_the_totals_are_the_sums_of_the_claims():
    paid: Counter[tuple[str, str]] = Counter()
    for (key, sequence, revision), outcome in EXPECTED_CLAIMS.items():
        visit = BY_KEY[key]
        if (key, revision) == (demo_day.REWORK_KEY, 1):
            continue  # paid in the first run, taken back in the second: nets to nothing
        payer = visit.coverages[0 if sequence == "primary" else 1][0].payer_id
        paid[(visit.practice.tenant_id, payer)] += outcome.paid
    assert dict(paid) == EXPECTED.paid_by_payer
    assert sum(paid.values()) == EXPECTED.total_paid
    rework = [o for (k, _, r), o in EXPECTED_CLAIMS.items() if k == demo_day.REWORK_KEY]
    secondary = EXPECTED_CLAIMS[(demo_day.SECONDARY_KEY, "secondary", 1)]
    assert rework[1].paid - rework[0].paid + secondary.paid == EXPECTED.second_run_paid

    balances: Counter[str] = Counter()
    statements: Counter[str] = Counter()
    for visit in VISITS:
        share = demo_day.expected_patient_share(visit.key)
        balances[visit.practice.tenant_id] += share
        statements[visit.practice.tenant_id] += share >= Decimal("5.00")  # the billing policy's minimum
    assert dict(balances) == EXPECTED.patient_balance_before_payment
    assert dict(statements) == EXPECTED.statements
    assert EXPECTED.claims_submitted == len(VISITS) + 2  # the replacement and the secondary
    assert EXPECTED.claims_accepted == EXPECTED.claims_submitted - len(REJECTED_KEYS)
    replaced = (demo_day.REWORK_KEY, "primary", 1)
    paid = [key for key, o in EXPECTED_CLAIMS.items() if o.status != "denied" and key != replaced]
    assert len(paid) == EXPECTED.claims_paid


def test_every_member_of_the_story_is_in_the_contracts_but_the_mistyped_one():
    contracts = yaml.safe_load(demo_day.CONTRACTS.read_text())
    assert contracts["business_date"] == demo_day.BUSINESS_DATE
    assert contracts["seed"] == demo_day.SEED
    members = {(p["payer_id"], m["member_id"]) for p in contracts["payers"] for m in p["members"]}
    used = {(payer.payer_id, member) for v in VISITS for payer, member in v.coverages}
    missing = {BY_KEY[key].coverages[0][0].payer_id + ":" + BY_KEY[key].coverages[0][1] for key in REJECTED_KEYS}
    assert {f"{p}:{m}" for p, m in used - members} == missing
    charges = {code for p in contracts["payers"] for code in p["allowed"]}
    assert set(demo_day.FEES) <= charges
