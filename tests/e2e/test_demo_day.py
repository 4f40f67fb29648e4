"""The demo day end to end on PostgreSQL + the broker + four service processes + the sandbox process.

The story, its data and the amounts it must end with live in openrcm_devtools.demo_day (the demo
runs the same steps); the amounts there were worked out by hand from the sandbox's contract file.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from openrcm_devtools import demo_day
from openrcm_devtools.demo_day import BY_KEY, EXPECTED, EXPECTED_CLAIMS, DemoDay, Sandbox
from openrcm_devtools.pytest_plugin import TEST_JWT_SECRET, token_for
from openrcm_devtools.stack import LocalStack

from .conftest import STACK_ENV

pytestmark = pytest.mark.slow


@pytest.fixture
def demo_stack(database_urls, own_broker, tmp_path) -> Iterator[LocalStack]:
    sandbox = demo_day.sandbox_process(tmp_path, api_key="e2e-sandbox-key")
    local = LocalStack(database_urls=database_urls, broker=own_broker, jwt_secret=TEST_JWT_SECRET,
                       log_dir=tmp_path / "logs", extra_env=STACK_ENV, service_env=demo_day.service_env(sandbox),
                       sandbox=sandbox)
    try:
        local.start()
        local.wait_ready()
        yield local
    finally:
        local.stop()


def test_the_demo_day_ends_with_the_amounts_worked_out_from_the_contracts(demo_stack: LocalStack):
    sandbox = demo_stack.sandbox
    assert sandbox is not None
    day = DemoDay(demo_stack, Sandbox(sandbox.base_url, sandbox.api_key),
                  lambda role, tenant: token_for(role, tenants=(tenant,)))
    result = day.run()

    # Every claim the payers adjudicated: status, paid and patient responsibility, as worked out by hand.
    # (A14's first claim is checked below: the payer took its payment back when it paid the replacement.)
    for key, outcome in EXPECTED_CLAIMS.items():
        if key == ("A14", "primary", 1):
            continue
        claim = result.claims[key]
        got = (claim["status"], Decimal(claim["total_paid"] or "0"), Decimal(claim["patient_responsibility"] or "0"))
        assert got == (outcome.status, outcome.paid, outcome.patient), f"claim {key}: {got} != {outcome}"

    # The coding denial was corrected by a coder (revision 2) and paid as a replacement of the first claim.
    original, replacement = result.claims[("A14", "primary", 1)], result.claims[("A14", "primary", 2)]
    assert replacement["frequency_code"] == "7"
    assert replacement["patient_control_number"] == original["patient_control_number"]
    assert replacement["original_payer_claim_number"] == original["payer_claim_control_number"]
    assert (replacement["status"], Decimal(replacement["total_paid"])) == ("paid", Decimal("64.00"))
    assert (original["status"], original["total_paid"]) == ("closed", None)  # reversed (CLP02 22), replaced

    # The secondary claim was built after Medicare's 835 and paid what Medicare left to the patient.
    secondary = result.claims[("A27", "secondary", 1)]
    assert secondary["payer"]["payer_id"] == "SBXPPO"
    assert (secondary["status"], Decimal(secondary["total_paid"])) == ("paid", Decimal("65.00"))

    # The front-end rejection, in claims-svc's plain English.
    assert [c["patient"]["patient_id"] for c in result.rejected] == [BY_KEY["B22"].patient_id]
    messages = " ".join(f["message"] for f in result.rejected[0]["scrub_findings"])
    assert "subscriber" in messages.lower(), messages

    assert (result.submitted, result.accepted, len(result.rejected)) == (
        EXPECTED.claims_submitted, EXPECTED.claims_accepted, EXPECTED.claims_rejected)
    assert len(result.paid_claims()) == EXPECTED.claims_paid
    assert len(result.payment_runs) == 2
    assert sum(Decimal(f["total_paid"]) for f in result.payment_runs[1]["files"]) == EXPECTED.second_run_paid
    assert result.paid_by_payer == EXPECTED.paid_by_payer
    assert result.total_paid == EXPECTED.total_paid
    assert result.coding_denials == EXPECTED.coding_denials
    assert result.billing_denials == EXPECTED.billing_denials

    # Patient billing: balances, the statement run, the patient payment.
    assert result.balances_before_payment == EXPECTED.patient_balance_before_payment
    assert result.statements == EXPECTED.statements
    assert result.patient_payments == EXPECTED.patient_payment
    assert result.balances == EXPECTED.patient_balance_after_payment
    paying = result.accounts[BY_KEY[demo_day.PAYING_KEY].patient_id]
    assert Decimal(paying["balance"]) == Decimal("0.00")
    for key in ("A13", "A14", "A26", "A27", "B21", "B24", "B01"):
        if key == demo_day.PAYING_KEY:
            continue
        account = result.accounts[BY_KEY[key].patient_id]
        assert Decimal(account["balance"]) == demo_day.expected_patient_share(key), key
