"""Payment runs: one remittance per (tenant, payer, billing provider), PLBs once, balancing, trace numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openrcm_sandbox.domain.adjudication import Adjudicator
from openrcm_sandbox.domain.payment_run import AdjudicatedClaim, PaymentRun
from openrcm_sandbox.domain.remittance import Payee

D = Decimal
PAY_DAY = date(2026, 12, 3)


def adjudicated(adjudicator, *claims):
    return [AdjudicatedClaim(claim, payment) for claim in claims for payment in adjudicator.adjudicate(claim)]


def assert_balances(remittance):
    assert remittance.total_paid == (sum((claim.paid for claim in remittance.claims), D(0))
                                     - sum((plb.amount for plb in remittance.provider_adjustments), D(0)))
    assert remittance.total_paid >= 0


def test_one_remittance_per_tenant_payer_and_billing_provider_in_order(payer, config):
    adjudicator = Adjudicator(config, 7)
    items = adjudicated(
        adjudicator,
        payer.claim("PCN1", payer.line("99214", "200.00")),
        payer.claim("PCN2", payer.line("99213", "150.00"), billing_provider_npi=payer.other_billing_npi,
                    billing_provider_name="Lakeside Clinic", billing_provider_tax_id="379876543"),
        payer.claim("PCN3", payer.line("99213", "150.00"), tenant_id="tenant-b"),
        payer.claim("PCN4", payer.line("99213", "120.00")),
        payer.claim("PCN5", payer.line("99213", "150.00"), payer_id="SBX02", member_id="SBX200001"),
    )
    remittances = PaymentRun(config, 7).run(items, PAY_DAY)

    groups = [(r.tenant_id, r.payer_id, r.payee.npi, [c.patient_control_number for c in r.claims]) for r in remittances]
    assert groups == [
        ("tenant-a", "SBX01", payer.billing_npi, ["PCN1", "PCN4"]),
        ("tenant-a", "SBX01", payer.other_billing_npi, ["PCN2"]),
        ("tenant-b", "SBX01", payer.billing_npi, ["PCN3"]),
        ("tenant-a", "SBX02", payer.billing_npi, ["PCN5"]),
    ]
    assert remittances[1].payee == Payee("Lakeside Clinic", payer.other_billing_npi, "379876543")
    assert remittances[3].payer_name == "Sandbox Supplement" and remittances[3].payment_method == "CHK"
    assert all(r.payment_date == PAY_DAY for r in remittances)
    for remittance in remittances:
        assert_balances(remittance)


def test_a_provider_adjustment_is_taken_once_in_the_first_run_to_that_payee(payer, config):
    adjudicator = Adjudicator(config, 7)
    run = PaymentRun(config, 7)

    assert run.run([], PAY_DAY) == []  # nothing to remit: the PLB waits
    other_payee = run.run(adjudicated(adjudicator, payer.claim("PCN0", billing_provider_npi=payer.other_billing_npi,
                                                                member_id="SBX100002")),
                          PAY_DAY)
    [first] = run.run(adjudicated(adjudicator, payer.claim("PCN1", payer.line("99214", "200.00"))), PAY_DAY)
    [second] = run.run(adjudicated(adjudicator, payer.claim("PCN2", payer.line("99214", "200.00"),
                                                            member_id="SBX100002")), PAY_DAY)

    assert other_payee[0].provider_adjustments == ()
    [plb] = first.provider_adjustments
    assert (plb.provider_npi, plb.reason, plb.reference, plb.amount, plb.fiscal_period_end) == (
        payer.billing_npi, "WO", "OVP-2026-0001", D("15.00"), PAY_DAY)
    # 99214 for SBX100001: allowed 130.03, deductible 100.00, coinsurance 6.01 -> paid 24.02; minus the PLB 15.00.
    assert first.claims[0].paid == D("24.02")
    assert first.total_paid == D("9.02")
    assert first.payment_method == "ACH"
    assert second.provider_adjustments == ()
    for remittance in (first, second):
        assert_balances(remittance)


def test_a_run_that_pays_nothing_is_non(payer, config):
    adjudicator = Adjudicator(config, 7)
    items = adjudicated(adjudicator, payer.claim("PCN1", payer.line("72148", "500.00"),
                                                 billing_provider_npi=payer.other_billing_npi))
    [remittance] = PaymentRun(config, 7).run(items, PAY_DAY)
    assert (remittance.total_paid, remittance.payment_method) == (D("0.00"), "NON")


def test_a_negative_balance_is_carried_forward_and_recovered(payer, config):
    adjudicator = Adjudicator(config, 7)
    run = PaymentRun(config, 7)
    npi = payer.other_billing_npi
    [paid] = run.run(adjudicated(adjudicator, payer.claim("PCN1", payer.line("99213", "150.00"),
                                                          member_id="SBX100002", billing_provider_npi=npi)), PAY_DAY)
    original = paid.claims[0]
    [voided] = run.run(adjudicated(adjudicator, payer.claim("PCN1", member_id="SBX100002", billing_provider_npi=npi,
                                                            frequency_code="8",
                                                            payer_claim_number=original.payer_claim_number)), PAY_DAY)
    [later] = run.run(adjudicated(adjudicator, payer.claim("PCN2", payer.line("99214", "200.00"),
                                                           member_id="SBX100002", billing_provider_npi=npi)), PAY_DAY)

    # PPO-CAP, 40.00 of out-of-pocket room: 99213 allowed 92.00, coinsurance 46.00 capped to 40.00, paid 52.00.
    assert original.paid == D("52.00")
    assert (voided.total_paid, voided.payment_method) == (D("0.00"), "NON")
    [forward] = voided.provider_adjustments
    assert (forward.reason, forward.amount) == ("FB", D("-52.00"))
    # The void gave the 40.00 back, so 99214 (allowed 130.03) meets the cap again: paid 90.03, less the 52.00 owed.
    [recovery] = later.provider_adjustments
    assert (recovery.reason, recovery.reference, recovery.amount) == ("FB", forward.reference, D("52.00"))
    assert later.total_paid == D("38.03")
    for remittance in (paid, voided, later):
        assert_balances(remittance)


def test_trace_numbers_are_deterministic_and_differ_per_run_and_seed(payer, config):
    def traces(seed):
        adjudicator = Adjudicator(config, seed)
        run = PaymentRun(config, seed)
        numbers = []
        for pcn in ("PCN1", "PCN2"):
            run.run([], PAY_DAY)  # idle runs do not count
            [remittance] = run.run(adjudicated(adjudicator, payer.claim(pcn, payer.line("99214", "200.00"))), PAY_DAY)
            numbers.append(remittance.trace_number)
        return numbers

    first, again, other_seed = traces(7), traces(7), traces(8)
    assert first == again
    assert first[0] != first[1]
    assert set(first).isdisjoint(other_seed)
    assert all(len(number) == 10 and number.isdigit() for number in first)


def test_the_same_inputs_give_equal_remittances(payer, config):
    def remit():
        adjudicator = Adjudicator(config, 7)
        items = adjudicated(adjudicator, payer.claim("PCN1"), payer.claim("PCN2", payer.line("99214", "200.00")))
        return PaymentRun(config, 7).run(items, PAY_DAY)

    assert remit() == remit()
