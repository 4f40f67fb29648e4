"""The claim aggregate without a database."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from claims_svc.domain.claim import ALLOWED_TRANSITIONS, ClaimStatus, IllegalTransition, build_claim

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def test_clean_encounter_becomes_a_submitted_original_claim_with_its_history(make_coded, make_remit):
    claim = build_claim("t1", make_coded(), now=NOW, previous=None)
    assert claim is not None
    assert claim.status == ClaimStatus.SUBMITTED and claim.frequency_code == "1"
    assert claim.total_charge == Decimal("165.00")
    assert [h.to_status for h in claim.history] == [ClaimStatus.DRAFT, ClaimStatus.READY, ClaimStatus.SUBMITTED]
    assert len(claim.patient_control_number) == 14 and claim.patient_control_number.isalnum()
    assert [line.line_control_number for line in claim.lines] == [
        f"{claim.patient_control_number}-1-1", f"{claim.patient_control_number}-1-2"]
    event = claim.submission(NOW)
    assert event.total_charge == Decimal("165.00") and event.payer.payer_id == "ACME01"


def test_line_without_a_charge_fails_the_scrubber_and_is_not_submitted(make_coded, make_remit):
    claim = build_claim("t1", make_coded(charges=("125.00", None)), now=NOW, previous=None)
    assert claim is not None and claim.status == ClaimStatus.SCRUB_FAILED
    assert [f.rule_id for f in claim.findings] == ["CHARGE-MISSING"] and claim.findings[0].line_number == 2
    with pytest.raises(IllegalTransition):
        claim.submission(NOW)


def test_self_pay_encounter_makes_no_claim(make_coded, make_remit):
    assert build_claim("t1", make_coded(coverages=False), now=NOW, previous=None) is None


def test_revision_of_a_billed_encounter_is_a_replacement_never_a_second_original(make_coded, make_remit):
    original = build_claim("t1", make_coded(), now=NOW, previous=None)
    assert original is not None
    original.record_remit(make_remit(original), at=NOW)
    replacement = build_claim("t1", make_coded(revision=2), now=NOW, previous=original)
    assert replacement is not None
    assert replacement.frequency_code == "7"
    assert replacement.original_payer_claim_number == "PCC-9"
    assert replacement.patient_control_number == original.patient_control_number
    assert replacement.lines[0].line_control_number.endswith("-2-1")


@pytest.mark.parametrize("outcome,status", [("paid", ClaimStatus.PAID), ("partially_paid", ClaimStatus.PARTIALLY_PAID),
                                            ("denied", ClaimStatus.DENIED)])
def test_remit_outcome_sets_the_status_and_amounts(outcome, status, make_coded, make_remit):
    claim = build_claim("t1", make_coded(), now=NOW, previous=None)
    claim.record_remit(make_remit(claim, outcome=outcome), at=NOW)
    assert claim.status == status and claim.total_paid == Decimal("100.00")
    assert claim.patient_responsibility == Decimal("20.00")
    assert claim.history[-1].actor == "payments-svc"


def test_reversal_sends_a_paid_claim_back_to_submitted(make_coded, make_remit):
    claim = build_claim("t1", make_coded(), now=NOW, previous=None)
    claim.record_remit(make_remit(claim), at=NOW)
    claim.record_remit(make_remit(claim, outcome="reversed", paid="-100.00"), at=NOW)
    assert claim.status == ClaimStatus.SUBMITTED and claim.total_paid is None


@pytest.mark.parametrize("current,requested", [
    (ClaimStatus.DRAFT, ClaimStatus.PAID), (ClaimStatus.CLOSED, ClaimStatus.SUBMITTED),
    (ClaimStatus.SCRUB_FAILED, ClaimStatus.SUBMITTED), (ClaimStatus.ACCEPTED, ClaimStatus.DRAFT),
])
def test_illegal_transitions_are_refused(current, requested, make_coded, make_remit):
    claim = build_claim("t1", make_coded(), now=NOW, previous=None)
    claim.status = current
    with pytest.raises(IllegalTransition):
        claim.move_to(requested, at=NOW, actor="t", reason="r")
    assert claim.status == current


def test_every_status_has_a_rule():
    assert set(ALLOWED_TRANSITIONS) == set(ClaimStatus)
