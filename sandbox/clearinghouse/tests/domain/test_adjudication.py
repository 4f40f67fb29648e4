"""Adjudication by the payer contract: denials with their CARC/RARC, the patient's share, accumulators,
secondary claims, replacements, voids, duplicates and deterministic payer claim numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from openrcm_sandbox.domain.adjudication import Accumulators, Adjudicator
from openrcm_sandbox.domain.remittance import Adjustment

D = Decimal


def adjudicate_one(config, claim, seed=7):
    [payment] = Adjudicator(config, seed).adjudicate(claim)
    return payment


def assert_balances(payment):
    """charge - every adjustment == paid, for the claim and for each line; CLP05 is the sum of PR."""
    line_adjustments = [adj for line in payment.lines for adj in line.adjustments]
    adjusted = sum((adj.amount for adj in (*payment.claim_adjustments, *line_adjustments)), D(0))
    assert payment.charge - adjusted == payment.paid
    for line in payment.lines:
        assert line.charge - line.adjusted == line.paid
    pr = [adj for adj in (*payment.claim_adjustments, *line_adjustments) if adj.group == "PR"]
    assert payment.patient_responsibility == sum((adj.amount for adj in pr), D(0))
    assert payment.paid == sum((line.paid for line in payment.lines), D(0))


def cas(line):
    return [(adj.group, adj.reason, adj.amount) for adj in line.adjustments]


# --- claim-level denials ----------------------------------------------------------------------------


def test_service_after_eligibility_ends_is_denied_co27(payer, config):
    claim = payer.claim("PCN1", payer.line(service_date=date(2027, 1, 4)), received_on=date(2027, 1, 10))
    payment = adjudicate_one(config, claim)

    assert (payment.status_code, payment.paid, payment.patient_responsibility) == ("4", D("0"), D("0"))
    assert cas(payment.lines[0]) == [("CO", "27", D("150.00"))]
    assert payment.lines[0].allowed is None
    assert_balances(payment)


def test_service_before_eligibility_starts_is_denied_co27(payer, config):
    claim = payer.claim("PCN1", payer.line(service_date=date(2025, 12, 30)), received_on=date(2026, 1, 5))
    assert cas(adjudicate_one(config, claim).lines[0]) == [("CO", "27", D("150.00"))]


def test_received_after_the_filing_limit_is_denied_co29(payer, config):
    served = date(2026, 9, 1)
    late = payer.claim("PCN1", payer.line(service_date=served), received_on=served + timedelta(days=91))
    in_time = payer.claim("PCN2", payer.line(service_date=served), received_on=served + timedelta(days=90))

    denied = adjudicate_one(config, late)
    assert denied.status_code == "4" and cas(denied.lines[0]) == [("CO", "29", D("150.00"))]
    assert_balances(denied)
    assert adjudicate_one(config, in_time).status_code == "1"


def test_timely_filing_counts_from_the_last_day_of_service(payer, config):
    claim = payer.claim("PCN1", payer.line(service_date=date(2026, 8, 1), service_date_to=date(2026, 9, 1)),
                        received_on=date(2026, 11, 30))  # 90 days after Sep 1, 121 after Aug 1
    assert adjudicate_one(config, claim).status_code == "1"


def test_a_second_original_with_the_same_services_is_a_duplicate_co18(payer, config):
    adjudicator = Adjudicator(config, 7)
    lines = (payer.line("99213"), payer.line("83036", "20.00"))
    [first] = adjudicator.adjudicate(payer.claim("PCN1", *lines))
    [again] = adjudicator.adjudicate(payer.claim("PCN2", *lines))  # another patient control number
    [same_pcn] = adjudicator.adjudicate(payer.claim("PCN1", *lines))

    assert first.status_code == "1"
    for duplicate in (again, same_pcn):
        assert duplicate.status_code == "4" and duplicate.paid == 0
        assert [cas(line) for line in duplicate.lines] == [[("CO", "18", D("150.00"))], [("CO", "18", D("20.00"))]]
        assert_balances(duplicate)
    assert len({first.payer_claim_number, again.payer_claim_number, same_pcn.payer_claim_number}) == 3


def test_different_charges_or_dates_are_not_duplicates(payer, config):
    adjudicator = Adjudicator(config, 7)
    adjudicator.adjudicate(payer.claim("PCN1", payer.line()))
    [other_charge] = adjudicator.adjudicate(payer.claim("PCN2", payer.line(charge="151.00")))
    [other_day] = adjudicator.adjudicate(payer.claim("PCN3", payer.line(service_date=payer.dos - timedelta(days=1))))
    assert other_charge.status_code == other_day.status_code == "1"


def test_a_voided_claim_no_longer_makes_a_resubmission_a_duplicate(payer, config):
    adjudicator = Adjudicator(config, 7)
    [first] = adjudicator.adjudicate(payer.claim("PCN1"))
    adjudicator.adjudicate(payer.claim("PCN1", frequency_code="8", payer_claim_number=first.payer_claim_number))
    [resubmitted] = adjudicator.adjudicate(payer.claim("PCN1"))
    assert resubmitted.status_code == "1"


# --- line-level denials -----------------------------------------------------------------------------


def test_prior_authorization_missing_is_co197_n54(payer, config):
    denied = adjudicate_one(config, payer.claim("PCN1", payer.line("72148", "500.00")))
    authorized = adjudicate_one(config, payer.claim("PCN2", payer.line("72148", "500.00"), prior_authorization="AUTH1"))

    assert denied.status_code == "4"  # its only line is denied
    assert cas(denied.lines[0]) == [("CO", "197", D("500.00"))]
    assert denied.lines[0].remark_codes == ("N54",)
    assert_balances(denied)
    assert authorized.status_code == "1" and authorized.lines[0].allowed == D("400.00")


def test_medical_necessity_is_co50_n115(payer, config):
    claim = payer.claim("PCN1", payer.line("99213"), payer.line("83036", "20.00", diagnosis_pointers=(2,)),
                        diagnoses=("E119", "I10"))
    payment = adjudicate_one(config, claim)

    assert payment.status_code == "1"
    assert cas(payment.lines[1]) == [("CO", "50", D("20.00"))]
    assert payment.lines[1].remark_codes == ("N115",) and payment.lines[1].allowed is None
    assert_balances(payment)


@pytest.mark.parametrize("diagnosis", ["E119", "R7303", "Z131", "Z13.1"])
def test_a_pointed_diagnosis_with_a_supporting_prefix_passes_medical_necessity(payer, config, diagnosis):
    claim = payer.claim("PCN1", payer.line("83036", "20.00", diagnosis_pointers=(2, 1)), diagnoses=("I10", diagnosis))
    assert adjudicate_one(config, claim).lines[0].allowed == D("13.00")


def test_a_supporting_diagnosis_that_is_not_pointed_to_does_not_count(payer, config):
    claim = payer.claim("PCN1", payer.line("83036", "20.00", diagnosis_pointers=(1,)), diagnoses=("I10", "E119"))
    assert cas(adjudicate_one(config, claim).lines[0]) == [("CO", "50", D("20.00"))]


def test_bundled_column_two_the_same_day_is_co97_m15(payer, config):
    claim = payer.claim("PCN1", payer.line("99213"), payer.line("36415", "10.00"))
    payment = adjudicate_one(config, claim)

    assert cas(payment.lines[1]) == [("CO", "97", D("10.00"))]
    assert payment.lines[1].remark_codes == ("M15",)
    assert payment.lines[0].allowed == D("92.00")
    assert_balances(payment)


@pytest.mark.parametrize("modifier", ["59", "XE", "XS", "XP", "XU"])
def test_a_distinct_service_modifier_unbundles_column_two(payer, config, modifier):
    claim = payer.claim("PCN1", payer.line("99213"), payer.line("36415", "10.00", modifiers=(modifier,)))
    assert adjudicate_one(config, claim).lines[1].allowed == D("3.00")


def test_column_two_on_another_day_is_not_bundled(payer, config):
    day_before = payer.dos - timedelta(days=1)
    claim = payer.claim("PCN1", payer.line("99213"), payer.line("36415", "10.00", service_date=day_before))
    assert adjudicate_one(config, claim).lines[1].allowed == D("3.00")


def test_an_unlisted_procedure_is_co96_n59_when_the_contract_denies_them(payer, config):
    payment = adjudicate_one(config, payer.claim("PCN1", payer.line("99499", "80.00")))
    assert payment.status_code == "4"
    assert cas(payment.lines[0]) == [("CO", "96", D("80.00"))]
    assert payment.lines[0].remark_codes == ("N59",)


def test_an_unlisted_procedure_is_priced_at_the_contracts_percent_of_charge(payer, config):
    claim = payer.claim("PCN1", payer.line("99499", "80.55"), payer_id="SBX02", member_id="SBX200001")
    payment = adjudicate_one(config, claim)
    # 80.55 x 60% = 48.33; SUPP has no deductible, coinsurance or copay.
    assert payment.lines[0].allowed == D("48.33")
    assert cas(payment.lines[0]) == [("CO", "45", D("32.22"))]
    assert payment.paid == D("48.33")


def test_the_procedure_modifier_rate_wins_over_the_procedure_rate(payer, config):
    claim = payer.claim("PCN1", payer.line("99213", modifiers=("25",)), member_id="SBX100002")
    payment = adjudicate_one(config, claim)
    assert payment.lines[0].allowed == D("100.00")


# --- payment: copay, deductible, coinsurance, out-of-pocket ---------------------------------------------


def test_copay_deductible_and_coinsurance_across_two_claims_of_one_member(payer, config):
    adjudicator = Adjudicator(config, 7)
    first = payer.claim("PCN1", payer.line("99213", "150.00"), payer.line("83036", "20.00"))
    second = payer.claim("PCN2", payer.line("99214", "200.00"), received_on=payer.received)

    [one] = adjudicator.adjudicate(first)
    [two] = adjudicator.adjudicate(second)

    # PPO-GOLD: deductible 100.00, coinsurance 20%, copay 25.00 on 99213; member starts at 0 met.
    # Claim 1, line 1 (99213, charge 150.00, rate 92.00): CO-45 58.00; copay 25.00;
    #   deductible min(100.00 left, 92.00 - 25.00) = 67.00; coinsurance 20% of 0.00 = 0; paid 0.00.
    # Claim 1, line 2 (83036, charge 20.00, rate 13.00): CO-45 7.00; deductible min(33.00 left, 13.00) = 13.00; paid 0.
    #   -> deductible met 80.00, out of pocket 105.00.
    # Claim 2 (99214, charge 200.00, rate 130.03): CO-45 69.97; deductible 20.00 (what is left);
    #   coinsurance 20% of 110.03 = 22.006 -> 22.01 (half up); patient 42.01; paid 130.03 - 42.01 = 88.02.
    #   -> deductible met 100.00, out of pocket 147.01.
    assert cas(one.lines[0]) == [("CO", "45", D("58.00")), ("PR", "3", D("25.00")), ("PR", "1", D("67.00"))]
    assert cas(one.lines[1]) == [("CO", "45", D("7.00")), ("PR", "1", D("13.00"))]
    assert (one.status_code, one.paid, one.patient_responsibility) == ("1", D("0.00"), D("105.00"))
    assert cas(two.lines[0]) == [("CO", "45", D("69.97")), ("PR", "1", D("20.00")), ("PR", "2", D("22.01"))]
    assert (two.paid, two.patient_responsibility, two.lines[0].allowed) == (D("88.02"), D("42.01"), D("130.03"))
    for payment in (one, two):
        assert_balances(payment)
    assert adjudicator.accumulators("SBX01", "SBX100001", 2026) == Accumulators(D("100.00"), D("147.01"))
    assert adjudicator.accumulators("SBX01", "SBX100001", 2027) == Accumulators(D("0.00"), D("0.00"))


def test_claim_payment_identifies_patient_member_and_contract(payer, config):
    dependent = payer.person("Doe", "Tim", date(2012, 5, 6), "M")
    payment = adjudicate_one(config, payer.claim("PCN9", patient=dependent, patient_relationship="19"))

    assert payment.patient == ("Doe", "Tim")
    assert payment.member_id == "SBX100001"
    assert payment.claim_filing_indicator == "12"
    assert (payment.patient_control_number, payment.frequency_code) == ("PCN9", "1")
    assert payment.received_on == payer.received
    assert payment.payer_claim_number.startswith("SBX01") and len(payment.payer_claim_number) == 15
    assert payment.lines[0].line_control_number == "PCN9-1"


def test_the_out_of_pocket_maximum_caps_the_patients_share(payer, config):
    adjudicator = Adjudicator(config, 7)
    # PPO-CAP: 50% coinsurance, out-of-pocket max 100.00, member starts at 60.00 met (40.00 of room).
    # 99214: allowed 130.03; coinsurance 65.015 -> 65.02, capped to 40.00; paid 90.03.
    [capped] = adjudicator.adjudicate(payer.claim("PCN1", payer.line("99214", "200.00"), member_id="SBX100002"))
    # The cap is reached: the next claim's 99213 (allowed 92.00) is paid in full.
    [after] = adjudicator.adjudicate(payer.claim("PCN2", payer.line("99213", "150.00"), member_id="SBX100002"))

    assert cas(capped.lines[0]) == [("CO", "45", D("69.97")), ("PR", "2", D("40.00"))]
    assert capped.paid == D("90.03")
    assert cas(after.lines[0]) == [("CO", "45", D("58.00"))]
    assert after.paid == D("92.00")
    assert adjudicator.accumulators("SBX01", "SBX100002", 2026).out_of_pocket_met == D("100.00")
    for payment in (capped, after):
        assert_balances(payment)


def test_a_charge_below_the_rate_is_allowed_at_the_charge(payer, config):
    payment = adjudicate_one(config, payer.claim("PCN1", payer.line("99214", "100.00"), member_id="SBX100002"))
    assert payment.lines[0].allowed == D("100.00")
    assert not [adj for adj in payment.lines[0].adjustments if adj.group == "CO"]


def test_units_multiply_the_rate(payer, config):
    payment = adjudicate_one(config, payer.claim("PCN1", payer.line("83036", "50.00", units=D(2))))
    assert payment.lines[0].allowed == D("26.00")


# --- secondary ------------------------------------------------------------------------------------------


PRIMARY_CAS = (Adjustment("CO", "45", D("58.00")), Adjustment("PR", "1", D("30.00")), Adjustment("PR", "2", D("12.00")))


def secondary_claim(payer, **line_fields):
    return payer.claim(
        "PCN1", payer.line("99213", "150.00", **line_fields),
        payer_id="SBX02", member_id="SBX200001", responsibility="S",
        other_payers=(payer.other_payer("SBX01", "P", D("50.00"), PRIMARY_CAS),),
    )


def test_a_secondary_pays_what_the_primary_left_up_to_its_own_allowed(payer, config):
    claim = secondary_claim(payer, prior_paid=D("50.00"), prior_adjustments=PRIMARY_CAS)
    payment = adjudicate_one(config, claim)

    # The primary paid 50.00 and left 42.00 to the patient (PR-1 30.00, PR-2 12.00).
    # SBX02 allows 80.00: it pays min(42.00, 80.00 - 50.00) = 30.00, covering the PR-1; the PR-2 12.00 stays
    # with the patient; OA-23 = 150.00 - 30.00 - 12.00 = 108.00.
    assert payment.status_code == "2"
    assert payment.lines[0].allowed == D("80.00")
    assert cas(payment.lines[0]) == [("OA", "23", D("108.00")), ("PR", "2", D("12.00"))]
    assert (payment.paid, payment.patient_responsibility) == (D("30.00"), D("12.00"))
    assert_balances(payment)


def test_a_secondary_without_line_data_spreads_the_primarys_claim_level_amounts(payer, config):
    payment = adjudicate_one(config, secondary_claim(payer))
    assert cas(payment.lines[0]) == [("OA", "23", D("108.00")), ("PR", "2", D("12.00"))]
    assert payment.paid == D("30.00")


def test_a_secondary_covers_all_the_patient_owes_when_its_allowed_leaves_room(payer, config):
    claim = secondary_claim(payer, prior_paid=D("30.00"), prior_adjustments=(
        Adjustment("CO", "45", D("100.00")), Adjustment("PR", "3", D("20.00"))))
    payment = adjudicate_one(config, claim)
    assert cas(payment.lines[0]) == [("OA", "23", D("130.00"))]
    assert (payment.paid, payment.patient_responsibility) == (D("20.00"), D("0.00"))
    assert_balances(payment)


def test_a_secondary_does_not_move_accumulators(payer, config):
    adjudicator = Adjudicator(config, 7)
    adjudicator.adjudicate(secondary_claim(payer))
    assert adjudicator.accumulators("SBX02", "SBX200001", 2026) == Accumulators(D("0.00"), D("0.00"))


# --- replacements, voids, determinism -----------------------------------------------------------------


def test_a_replacement_of_a_paid_claim_reverses_it_and_pays_afresh(payer, config):
    adjudicator = Adjudicator(config, 7)
    [original] = adjudicator.adjudicate(payer.claim("PCN1", payer.line("99214", "200.00")))
    replacement = payer.claim("PCN1", payer.line("99214", "200.00"), payer.line("83036", "20.00"),
                              frequency_code="7", payer_claim_number=original.payer_claim_number)
    reversal, corrected = adjudicator.adjudicate(replacement)

    assert reversal.status_code == "22"
    assert reversal.payer_claim_number == original.payer_claim_number
    assert (reversal.charge, reversal.paid, reversal.patient_responsibility) == (
        -original.charge, -original.paid, -original.patient_responsibility)
    assert cas(reversal.lines[0]) == [(group, reason, -amount) for group, reason, amount in cas(original.lines[0])]
    assert_balances(reversal)
    # The reversal gives the deductible back, so the corrected claim meets it afresh:
    # 99214: deductible 100.00, coinsurance 20% of 30.03 = 6.006 -> 6.01; 83036: coinsurance 20% of 13.00 = 2.60.
    assert corrected.status_code == "1"
    assert corrected.payer_claim_number != original.payer_claim_number
    assert corrected.frequency_code == "7"
    assert cas(corrected.lines[0]) == [("CO", "45", D("69.97")), ("PR", "1", D("100.00")), ("PR", "2", D("6.01"))]
    assert cas(corrected.lines[1]) == [("CO", "45", D("7.00")), ("PR", "2", D("2.60"))]
    assert_balances(corrected)
    assert adjudicator.accumulators("SBX01", "SBX100001", 2026) == Accumulators(D("100.00"), D("108.61"))


def test_a_replacement_of_a_denied_claim_reverses_nothing(payer, config):
    adjudicator = Adjudicator(config, 7)
    [denied] = adjudicator.adjudicate(payer.claim("PCN1", payer.line("72148", "500.00")))
    payments = adjudicator.adjudicate(payer.claim("PCN1", payer.line("72148", "500.00"), prior_authorization="A1",
                                                  frequency_code="7", payer_claim_number=denied.payer_claim_number))
    assert [payment.status_code for payment in payments] == ["1"]


def test_a_void_only_reverses(payer, config):
    adjudicator = Adjudicator(config, 7)
    [original] = adjudicator.adjudicate(payer.claim("PCN1", payer.line("99214", "200.00")))
    [reversal] = adjudicator.adjudicate(payer.claim("PCN1", payer.line("99214", "200.00"), frequency_code="8",
                                                    payer_claim_number=original.payer_claim_number))
    assert (reversal.status_code, reversal.paid, reversal.payer_claim_number) == (
        "22", -original.paid, original.payer_claim_number)
    assert adjudicator.accumulators("SBX01", "SBX100001", 2026) == Accumulators(D("0.00"), D("0.00"))
    # Voiding it again, or voiding a claim the payer never saw, reverses nothing.
    again = payer.claim("PCN1", frequency_code="8", payer_claim_number=original.payer_claim_number)
    assert adjudicator.adjudicate(again) == []
    assert adjudicator.adjudicate(payer.claim("PCN2", frequency_code="8", payer_claim_number="SBX010000000000")) == []


def test_a_replacement_from_another_tenant_does_not_touch_the_claim(payer, config):
    adjudicator = Adjudicator(config, 7)
    [original] = adjudicator.adjudicate(payer.claim("PCN1"))
    payments = adjudicator.adjudicate(payer.claim("PCN1", tenant_id="tenant-b", frequency_code="7",
                                                  payer_claim_number=original.payer_claim_number))
    assert [payment.status_code for payment in payments] == ["1"]


def claims_in_order(payer):
    return [
        payer.claim("PCN1", payer.line("99213"), payer.line("36415", "10.00")),
        payer.claim("PCN2", payer.line("99214", "200.00")),
        payer.claim("PCN3", payer.line("99214", "200.00")),
        payer.claim("PCN3", payer.line("99214", "200.00"), tenant_id="tenant-b"),
    ]


def test_the_same_claims_and_seed_give_the_same_payments(payer, config):
    def run(seed):
        adjudicator = Adjudicator(config, seed)
        return [payment for claim in claims_in_order(payer) for payment in adjudicator.adjudicate(claim)]

    first, again, other_seed = run(7), run(7), run(8)
    assert first == again
    numbers = [payment.payer_claim_number for payment in first]
    assert len(set(numbers)) == len(numbers)
    assert all(a != b for a, b in zip(numbers, [payment.payer_claim_number for payment in other_seed]))
    # Only the numbers depend on the seed.
    assert [payment.paid for payment in first] == [payment.paid for payment in other_seed]


def test_a_claim_total_that_differs_from_its_lines_is_adjusted_at_the_claim_level(payer, config):
    payment = adjudicate_one(config, payer.claim("PCN1", payer.line("99213", "150.00"), total_charge=D("155.00")))
    assert payment.charge == D("155.00")
    assert [(adj.group, adj.reason, adj.amount) for adj in payment.claim_adjustments] == [("CO", "45", D("5.00"))]
    assert_balances(payment)


def test_a_secondary_claim_without_the_other_payer_is_adjudicated_like_a_primary(payer, config):
    payment = adjudicate_one(config, payer.claim("PCN1", payer.line("99214", "200.00"), member_id="SBX100002",
                                                 responsibility="S"))
    assert payment.status_code == "2"
    assert cas(payment.lines[0]) == [("CO", "45", D("69.97")), ("PR", "2", D("40.00"))]
