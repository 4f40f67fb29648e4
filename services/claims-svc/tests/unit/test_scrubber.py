"""Scrubber rules, one by one, and the reference data they read (pure: no database)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from claims_svc.domain.claim import Claim, bill_revision
from claims_svc.domain.reference import FeeSchedule, FeeScheduleEntry, overlapping_entries
from openrcm_shared.identifiers import npi_is_valid
from claims_svc.domain.scrubber import ALL_RULES, DuplicateCandidate, ScrubContext, scrub
from openrcm_shared.contracts import PartyName, Provider, Subscriber

DOS = date(2026, 11, 16)
TODAY = date(2026, 11, 23)


@pytest.fixture
def claim_of(make_coded, coded_at, reference):  # type: ignore[no-untyped-def]
    def _claim(**coded_fields) -> Claim:  # type: ignore[no-untyped-def]
        plan = bill_revision("t1", make_coded(**coded_fields), previous={}, fee_schedule=reference.fees, now=coded_at,
                             actor="test")
        return plan.claims[0]
    return _claim


@pytest.fixture
def ctx(reference):  # type: ignore[no-untyped-def]
    def _ctx(**fields) -> ScrubContext:  # type: ignore[no-untyped-def]
        values = {"today": TODAY, "payer": reference.payer, "billing_profile": reference.billing, "route_known": True}
        values.update(fields)
        return ScrubContext(**values)
    return _ctx


def _ids(findings) -> list[tuple[str, str, int | None]]:  # type: ignore[no-untyped-def]
    return [(f.rule_id, f.severity, f.line_number) for f in findings]


def test_a_complete_claim_passes_every_rule(claim_of, ctx):
    assert scrub(claim_of(), ctx()) == []
    assert len(ALL_RULES) == 10


def test_missing_reference_data_is_named(claim_of, ctx, reference):
    assert _ids(scrub(claim_of(), ctx(payer=None, billing_profile=None))) == [
        ("REF-PAYER-UNKNOWN", "error", None), ("REF-BILLING-PROFILE-MISSING", "error", None)]
    assert _ids(scrub(claim_of(), ctx(route_known=False))) == [("REF-PAYER-NO-ROUTE", "error", None)]
    no_route = replace(reference.payer, route_id=None)
    assert _ids(scrub(claim_of(), ctx(payer=no_route))) == [("REF-PAYER-NO-ROUTE", "error", None)]


def test_what_an_837p_requires(claim_of, ctx, make_coded):
    claim = claim_of(patient=make_coded().patient.model_copy(update={"address": None}),
                     rendering_provider=Provider(npi="1245319599"))
    claim.member_id = " "
    claim.lines[0] = replace(claim.lines[0], diagnosis_pointers=(1, 2))  # the claim has one diagnosis
    findings = scrub(claim, ctx())
    assert _ids(findings) == [("REQ-PATIENT-ADDRESS", "error", None), ("REQ-MEMBER-ID", "error", None),
                              ("REQ-DIAGNOSIS-POINTERS", "error", 1), ("REQ-RENDERING-NAME", "error", None)]
    assert all("Doe" not in f.message for f in findings)


@pytest.mark.parametrize("npi,valid", [("1234567893", True), ("1245319599", True), ("1234567890", False),
                                       ("123456789", False), ("12345678AB", False)])
def test_npi_check_digit(npi, valid):
    assert npi_is_valid(npi) is valid


def test_an_npi_with_a_wrong_check_digit_is_caught(claim_of, ctx):
    claim = claim_of(referring_provider=Provider(npi="1679576721", name=PartyName(last="Kildare")))
    assert _ids(scrub(claim, ctx())) == [("NPI-INVALID", "error", None)]


def test_subscriber_and_patient_must_agree(claim_of, ctx, make_coverage):
    self_but_other_name = make_coverage(subscriber=Subscriber(name=PartyName(last="Roe", first="Jo")))
    assert _ids(scrub(claim_of(coverages=[self_but_other_name]), ctx())) == [("SUBSCRIBER-MISMATCH", "error", None)]
    other_dob = make_coverage(subscriber=Subscriber(name=PartyName(last="Doe", first="Jo"), date_of_birth=date(1960, 1, 1)))
    assert _ids(scrub(claim_of(coverages=[other_dob]), ctx())) == [("SUBSCRIBER-MISMATCH", "error", None)]
    child_of_younger = make_coverage(relationship_to_subscriber="19", subscriber=Subscriber(
        name=PartyName(last="Doe", first="Kim"), date_of_birth=date(1990, 1, 1)))
    assert _ids(scrub(claim_of(coverages=[child_of_younger]), ctx())) == [
        ("SUBSCRIBER-YOUNGER-THAN-CHILD", "warning", None)]
    spouse_is_self = make_coverage(relationship_to_subscriber="01", subscriber=Subscriber(
        name=PartyName(last="Doe", first="Jo"), date_of_birth=date(1970, 1, 2)))
    assert _ids(scrub(claim_of(coverages=[spouse_is_self]), ctx())) == [("SUBSCRIBER-SAME-AS-PATIENT", "warning", None)]


def test_timely_filing_counts_the_days_left_and_the_days_overdue(claim_of, ctx, reference):
    claim = claim_of()  # date of service 2026-11-16, payer limit 365 days: deadline 2027-11-16
    assert scrub(claim, ctx(today=date(2027, 10, 1))) == []
    [soon] = scrub(claim, ctx(today=date(2027, 11, 6)))
    assert (soon.rule_id, soon.severity) == ("TIMELY-FILING-SOON", "warning") and "10 day(s) left" in soon.message
    [late] = scrub(claim, ctx(today=date(2027, 11, 20)))
    assert (late.rule_id, late.severity) == ("TIMELY-FILING-OVERDUE", "error") and "4 day(s) ago" in late.message


def test_prior_authorization_for_the_procedures_the_payer_names(claim_of, ctx):
    needs_auth = ("99213", "70553")
    assert _ids(scrub(claim_of(codes=needs_auth), ctx())) == [("PRIOR-AUTH-MISSING", "error", 2)]
    assert scrub(claim_of(codes=needs_auth, prior_authorization_number="AUTH-1"), ctx()) == []


def test_a_duplicate_of_another_open_claim(claim_of, ctx):
    claim = claim_of()
    same = DuplicateCandidate("c2", "PCN2", frozenset({("99213", ()), ("83036", ())}))
    other = DuplicateCandidate("c3", "PCN3", frozenset({("99213", ("76",)), ("83036", ())}))
    [finding] = scrub(claim, ctx(duplicates=[same, other]))
    assert finding.rule_id == "DUPLICATE-CLAIM" and "PCN2" in finding.message


def test_charges_missing_negative_or_zero(claim_of, ctx):
    claim = claim_of(charges=("1.00", "1.00", None, "-5.00", "0.00", "0.00"),
                     codes=("99213", "83036", "93000", "36415", "80053", "3044F"))
    assert _ids(scrub(claim, ctx())) == [("CHARGE-MISSING", "error", 3), ("CHARGE-NEGATIVE", "error", 4),
                                         ("CHARGE-ZERO", "error", 5)]  # 3044F: Category II bills at 0.00


def test_payer_specific_rules(claim_of, ctx, reference, make_coverage):
    medicare = replace(reference.payer, claim_filing_indicator="MB")
    assert _ids(scrub(claim_of(), ctx(payer=medicare))) == [("MEDICARE-MBI-FORMAT", "error", None)]
    mbi = claim_of(coverages=[make_coverage(member_id="1EG4TE5MK73")])
    assert scrub(mbi, ctx(payer=medicare)) == []
    bcbs = replace(reference.payer, claim_filing_indicator="BL")
    assert _ids(scrub(claim_of(coverages=[make_coverage(member_id="M1")]), ctx(payer=bcbs))) == [
        ("BCBS-MEMBER-PREFIX", "warning", None)]


def test_a_replacement_without_the_payers_claim_number_is_held(claim_of, ctx):
    claim = claim_of()
    claim.frequency_code = "7"
    assert _ids(scrub(claim, ctx())) == [("HOLD-PAYER-CLAIM-NUMBER", "error", None)]
    claim.original_payer_claim_number = "PCC-1"
    assert scrub(claim, ctx()) == []


def test_a_void_is_checked_only_for_what_finds_the_payers_claim(claim_of, ctx):
    claim = claim_of(charges=(None, None, "0.00"), codes=("99213", "83036", "93000"))
    claim.frequency_code, claim.original_payer_claim_number = "8", "PCC-1"
    assert scrub(claim, ctx(today=date(2030, 1, 1))) == []


# ---------------------------------------------------------------- fee schedule
def _entry(code: str, charge: str, start: date, end: date | None = None, modifier: str = "") -> FeeScheduleEntry:
    return FeeScheduleEntry(uuid.uuid4(), code, modifier, Decimal(charge), start, end)


def test_the_fee_schedule_charges_by_date_modifier_and_units():
    schedule = FeeSchedule([
        _entry("99213", "120.00", date(2025, 1, 1), date(2025, 12, 31)), _entry("99213", "130.00", date(2026, 1, 1)),
        _entry("99213", "104.00", date(2026, 1, 1), modifier="GT"), _entry("J1100", "1.25", date(2026, 1, 1)),
    ])
    assert schedule.charge_for("99213", (), Decimal(1), date(2025, 6, 1)) == Decimal("120.00")
    assert schedule.charge_for("99213", ("25",), Decimal(1), DOS) == Decimal("130.00")
    assert schedule.charge_for("99213", ("25", "GT"), Decimal(1), DOS) == Decimal("104.00")
    assert schedule.charge_for("J1100", (), Decimal("3"), DOS) == Decimal("3.75")
    assert schedule.charge_for("99213", (), Decimal(1), date(2024, 12, 31)) is None
    assert schedule.charge_for("99214", (), Decimal(1), DOS) is None


def test_overlapping_ranges_of_the_same_code_and_modifier_are_found():
    entries = [_entry("99213", "1", date(2026, 1, 1)), _entry("99213", "1", date(2025, 1, 1), date(2026, 1, 1)),
               _entry("99213", "1", date(2024, 1, 1), date(2024, 12, 31)), _entry("99213", "1", date(2025, 1, 1),
                                                                                   modifier="GT")]
    assert overlapping_entries(entries) == [(0, 1)]
    assert overlapping_entries(entries[1:]) == []
    assert TODAY - timedelta(days=7) == DOS


def test_medicare_as_secondary_needs_the_msp_type(make_coded, coded_at, ctx, reference, make_coverage):
    medicare = replace(reference.payer, claim_filing_indicator="MB")

    def medicare_secondary_claim(**medicare_fields) -> Claim:  # type: ignore[no-untyped-def]
        coverages = [make_coverage("primary", payer_id="OTHER"),
                     make_coverage("secondary", member_id="1EG4TE5MK73", **medicare_fields)]
        return bill_revision("t1", make_coded(coverages=coverages), previous={}, fee_schedule=reference.fees,
                             now=coded_at, actor="test").claims[1]

    assert ("MEDICARE-SECONDARY-TYPE", "error", None) in _ids(scrub(medicare_secondary_claim(), ctx(payer=medicare)))
    assert "MEDICARE-SECONDARY-TYPE" not in [
        f.rule_id for f in scrub(medicare_secondary_claim(insurance_type_code="43"), ctx(payer=medicare))
    ]
