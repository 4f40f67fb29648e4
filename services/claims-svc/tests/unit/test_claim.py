"""The claim aggregate without a database: lifecycle, building from EncounterCoded, remits."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from claims_svc.domain.claim import (
    ALLOWED_TRANSITIONS, PCN_ALPHABET, Claim, ClaimStatus, IllegalTransition, build_claim, new_patient_control_number,
)

S = ClaimStatus


@pytest.fixture
def build(make_coded, coded_at):  # type: ignore[no-untyped-def]
    def _build(previous: Claim | None = None, **coded_fields) -> Claim:  # type: ignore[no-untyped-def]
        claim = build_claim("t1", make_coded(**coded_fields), now=coded_at, actor="EncounterCoded", previous=previous)
        assert claim is not None
        return claim
    return _build


def _remit_for(claim: Claim, make_remit, **fields):  # type: ignore[no-untyped-def]
    return make_remit(claim_id=claim.id, encounter_id=claim.encounter_id,
                      patient_control_number=claim.patient_control_number, **fields)


# ---------------------------------------------------------------- lifecycle
def test_every_status_has_a_rule_and_closed_is_final():
    assert set(ALLOWED_TRANSITIONS) == set(ClaimStatus)
    assert ALLOWED_TRANSITIONS[S.CLOSED] == frozenset()


@pytest.mark.parametrize("current,requested", list(itertools.permutations(ClaimStatus, 2)))
def test_a_move_succeeds_exactly_when_the_table_allows_it(current, requested, build, coded_at):
    claim = build()
    claim.status, claim.history = current, []
    if requested in ALLOWED_TRANSITIONS[current]:
        claim.move_to(requested, at=coded_at, actor="system", reason="test")
        assert claim.status == requested
        assert [(h.from_status, h.to_status, h.actor) for h in claim.history] == [(current, requested, "system")]
    else:
        with pytest.raises(IllegalTransition):
            claim.move_to(requested, at=coded_at, actor="system", reason="test")
        assert claim.status == current and claim.history == []


def test_staying_in_the_same_status_records_nothing(build, coded_at):
    claim = build()
    before = list(claim.history)
    claim.move_to(claim.status, at=coded_at, actor="system", reason="again")
    assert claim.history == before


# ---------------------------------------------------------------- building from EncounterCoded
def test_clean_encounter_becomes_a_submitted_original_claim_with_its_history(build, coded_at):
    claim = build()
    assert claim.status == S.SUBMITTED and claim.frequency_code == "1" and claim.original_payer_claim_number is None
    assert claim.total_charge == Decimal("165.00") and claim.coverage_sequence == "primary"
    assert [(h.from_status, h.to_status) for h in claim.history] == [
        (None, S.DRAFT), (S.DRAFT, S.READY), (S.READY, S.SUBMITTED)]
    assert {h.actor for h in claim.history} == {"EncounterCoded"}
    assert [line.line_control_number for line in claim.lines] == [
        f"{claim.patient_control_number}-1-1", f"{claim.patient_control_number}-1-2"]

    event = claim.submission(coded_at)
    assert (event.claim_id, event.frequency_code, event.total_charge) == (claim.id, "1", Decimal("165.00"))
    assert event.payer.payer_id == "ACME01" and event.member_id == "M1"
    assert [line.charge for line in event.lines] == [Decimal("125.00"), Decimal("40.00")]


def test_patient_control_numbers_are_short_unambiguous_and_distinct():
    numbers = {new_patient_control_number() for _ in range(2000)}
    assert len(numbers) == 2000
    for number in numbers:
        assert len(number) <= 20 and set(number) <= set(PCN_ALPHABET)
    assert not set("IO01") & set(PCN_ALPHABET)


def test_line_without_a_charge_fails_the_scrubber_and_cannot_be_submitted(build, coded_at):
    claim = build(charges=("125.00", None))
    assert claim.status == S.SCRUB_FAILED
    assert [(f.rule_id, f.line_number) for f in claim.findings] == [("CHARGE-MISSING", 2)]
    assert claim.lines[1].charge is None and claim.total_charge == Decimal("125.00")
    with pytest.raises(IllegalTransition):
        claim.submission(coded_at)


def test_negative_charge_fails_and_zero_charge_passes(build):
    assert [f.rule_id for f in build(charges=("-5.00",)).findings] == ["CHARGE-NEGATIVE"]
    assert build(charges=("0.00",)).status == S.SUBMITTED


def test_self_pay_encounter_makes_no_claim(make_coded, coded_at):
    assert build_claim("t1", make_coded(self_pay=True), now=coded_at, actor="EncounterCoded", previous=None) is None


# ---------------------------------------------------------------- revisions
def test_revision_of_a_billed_encounter_is_a_replacement_never_a_second_original(build, make_remit, coded_at):
    original = build()
    original.record_remit(_remit_for(original, make_remit), at=coded_at, actor="RemitReceived")
    replacement = build(previous=original, encounter_id=original.encounter_id, revision=2)
    assert (replacement.frequency_code, replacement.original_payer_claim_number) == ("7", "PCC-9")
    assert replacement.patient_control_number == original.patient_control_number
    assert replacement.lines[0].line_control_number == f"{original.patient_control_number}-2-1"
    assert replacement.submission(coded_at).frequency_code == "7"
    assert original.retire_unsent(by_revision=2, at=coded_at, actor="EncounterCoded") is False
    assert original.status == S.PAID


def test_replacement_before_the_payer_answered_has_no_payer_claim_number_yet(build):
    original = build()
    replacement = build(previous=original, encounter_id=original.encounter_id, revision=2)
    assert (replacement.frequency_code, replacement.original_payer_claim_number) == ("7", None)


def test_revision_after_a_claim_that_never_left_is_an_original_and_retires_it(build, coded_at):
    unsent = build(charges=(None,))
    corrected = build(previous=unsent, encounter_id=unsent.encounter_id, revision=2)
    assert corrected.frequency_code == "1" and corrected.status == S.SUBMITTED
    assert unsent.retire_unsent(by_revision=2, at=coded_at, actor="EncounterCoded") is True
    assert unsent.status == S.CLOSED and unsent.history[-1].reason == "superseded by encounter revision 2"


def test_a_failed_replacement_does_not_turn_the_next_revision_into_an_original(build, make_remit, coded_at):
    sent = build()
    sent.record_remit(_remit_for(sent, make_remit, outcome="denied", paid="0.00"), at=coded_at, actor="RemitReceived")
    failed = build(previous=sent, encounter_id=sent.encounter_id, revision=2, charges=(None,))
    assert failed.status == S.SCRUB_FAILED and failed.frequency_code == "7"
    third = build(previous=failed, encounter_id=sent.encounter_id, revision=3)
    assert (third.frequency_code, third.original_payer_claim_number) == ("7", "PCC-9")


# ---------------------------------------------------------------- remits
@pytest.mark.parametrize("outcome,status", [("paid", S.PAID), ("partially_paid", S.PARTIALLY_PAID), ("denied", S.DENIED)])
def test_remit_outcome_sets_status_amounts_and_payer_claim_number(outcome, status, build, make_remit, coded_at):
    claim = build()
    claim.record_remit(_remit_for(claim, make_remit, outcome=outcome), at=coded_at, actor="RemitReceived")
    assert claim.status == status and claim.total_paid == Decimal("100.00")
    assert claim.payer_claim_control_number == "PCC-9"
    assert claim.patient_responsibility == (Decimal("0.00") if outcome == "denied" else Decimal("20.00"))
    assert (claim.history[-1].actor, claim.history[-1].to_status) == ("RemitReceived", status)


def test_reversal_sends_a_paid_claim_back_to_submitted(build, make_remit, coded_at):
    claim = build()
    claim.record_remit(_remit_for(claim, make_remit), at=coded_at, actor="RemitReceived")
    claim.record_remit(_remit_for(claim, make_remit, outcome="reversed", paid="-100.00"), at=coded_at,
                       actor="RemitReceived")
    assert claim.status == S.SUBMITTED and claim.total_paid is None and claim.patient_responsibility is None
    assert claim.payer_claim_control_number == "PCC-9"


def test_a_remit_that_does_not_fit_the_status_changes_nothing(build, make_remit, coded_at):
    claim = build(charges=(None,))
    with pytest.raises(IllegalTransition):
        claim.record_remit(_remit_for(claim, make_remit), at=coded_at, actor="RemitReceived")
    assert claim.status == S.SCRUB_FAILED and claim.total_paid is None and claim.payer_claim_control_number is None
