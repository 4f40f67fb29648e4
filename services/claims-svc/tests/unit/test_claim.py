"""The claim aggregate without a database: lifecycle, billing revisions, corrections, acknowledgements, remits."""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal

import pytest

from claims_svc.domain.claim import (
    ALLOWED_TRANSITIONS, PCN_ALPHABET, Claim, ClaimStatus, Correction, IllegalTransition, LineCorrection,
    NotCorrectable, bill_revision, new_patient_control_number,
)
from claims_svc.domain.reference import FeeSchedule
from claims_svc.domain.rejections import Rejection
from claims_svc.domain.scrubber import ScrubFinding

S = ClaimStatus
CLEAN: list[ScrubFinding] = []
HELD = [ScrubFinding("CHARGE-MISSING", "error", "no charge", "add it", 2)]


@pytest.fixture
def bill(make_coded, coded_at, reference):  # type: ignore[no-untyped-def]
    """Claims for a coded revision (drafts), given the previous claims per coverage sequence."""
    def _bill(previous: dict[str, Claim] | None = None, fees: FeeSchedule | None = None, **coded_fields):  # type: ignore[no-untyped-def]
        plan = bill_revision("t1", make_coded(**coded_fields), previous=previous or {},
                             fee_schedule=fees if fees is not None else reference.fees, now=coded_at,
                             actor="EncounterCoded")
        return plan
    return _bill


@pytest.fixture
def sent(bill, coded_at):  # type: ignore[no-untyped-def]
    """A primary claim that went out in a batch."""
    def _sent(**coded_fields) -> Claim:  # type: ignore[no-untyped-def]
        [claim] = bill(**coded_fields).claims
        claim.apply_scrub(CLEAN, at=coded_at, actor="test")
        claim.mark_submitted(claim.id, at=coded_at, actor="system:batcher")
        return claim
    return _sent


def _remit_for(claim: Claim, make_remit, **fields):  # type: ignore[no-untyped-def]
    return make_remit(claim_id=claim.id, encounter_id=claim.encounter_id,
                      patient_control_number=claim.patient_control_number, **fields)


# ---------------------------------------------------------------- lifecycle
def test_every_status_has_a_rule_and_closed_is_final():
    assert set(ALLOWED_TRANSITIONS) == set(ClaimStatus)
    assert ALLOWED_TRANSITIONS[S.CLOSED] == frozenset()


@pytest.mark.parametrize("current,requested", list(itertools.permutations(ClaimStatus, 2)))
def test_a_move_succeeds_exactly_when_the_table_allows_it(current, requested, bill, coded_at):
    [claim] = bill().claims
    claim.status, claim.history = current, []
    if requested in ALLOWED_TRANSITIONS[current]:
        claim.move_to(requested, at=coded_at, actor="system", reason="test")
        assert claim.status == requested
        assert [(h.from_status, h.to_status, h.actor) for h in claim.history] == [(current, requested, "system")]
    else:
        with pytest.raises(IllegalTransition):
            claim.move_to(requested, at=coded_at, actor="system", reason="test")
        assert claim.status == current and claim.history == []


def test_a_clean_claim_is_ready_and_submitted_only_when_its_batch_is_sent(bill, coded_at):
    [claim] = bill().claims
    claim.apply_scrub(CLEAN, at=coded_at, actor="EncounterCoded")
    assert claim.status == S.READY
    with pytest.raises(IllegalTransition):
        claim.submission(coded_at)
    claim.mark_submitted(claim.id, at=coded_at, actor="system:batcher")
    event = claim.submission(coded_at)
    assert (event.claim_id, event.frequency_code, event.total_charge) == (claim.id, "1", Decimal("172.00"))
    assert [(h.from_status, h.to_status, h.actor) for h in claim.history] == [
        (None, S.DRAFT, "EncounterCoded"), (S.DRAFT, S.READY, "EncounterCoded"), (S.READY, S.SUBMITTED, "system:batcher")]


def test_an_error_finding_holds_the_claim_and_a_warning_does_not(bill, coded_at):
    [held], [warned] = bill().claims, bill().claims
    held.apply_scrub(HELD, at=coded_at, actor="test")
    warned.apply_scrub([ScrubFinding("TIMELY-FILING-SOON", "warning", "soon", "hurry")], at=coded_at, actor="test")
    assert (held.status, warned.status) == (S.SCRUB_FAILED, S.READY)
    assert held.history[-1].reason == "scrubber: CHARGE-MISSING"


def test_patient_control_numbers_are_short_unambiguous_and_distinct():
    numbers = {new_patient_control_number() for _ in range(2000)}
    assert len(numbers) == 2000
    for number in numbers:
        assert len(number) <= 20 and set(number) <= set(PCN_ALPHABET)
    assert not set("IO01") & set(PCN_ALPHABET)


# ---------------------------------------------------------------- billing a revision
def test_the_claim_keeps_what_the_837p_needs_and_charges_come_from_the_fee_schedule(bill, make_coded):
    plan = bill(charges=("125.00", "40.00", "10.00"), prior_authorization_number="AUTH-1")
    [claim] = plan.claims
    assert (claim.status, claim.frequency_code, claim.coverage_sequence) == (S.DRAFT, "1", "primary")
    assert [(line.charge, line.charge_source) for line in claim.lines] == [
        (Decimal("130.00"), "fee_schedule"), (Decimal("42.00"), "fee_schedule"), (Decimal("10.00"), "ehr")]
    assert claim.total_charge == Decimal("182.00")
    assert (claim.place_of_service, claim.diagnoses, claim.prior_authorization_number) == ("11", ("E119",), "AUTH-1")
    assert [line.diagnosis_pointers for line in claim.lines] == [(1,), (1,), (1,)]
    assert claim.coverage is not None and claim.coverage.relationship_to_subscriber == "18"
    assert [line.line_control_number for line in claim.lines] == [
        f"{claim.patient_control_number}-1-{n}" for n in (1, 2, 3)]


def test_a_code_neither_the_fee_schedule_nor_the_ehr_prices_has_no_charge(bill):
    [claim] = bill(charges=(None, None, None)).claims
    assert [(line.charge, line.charge_source) for line in claim.lines] == [
        (Decimal("130.00"), "fee_schedule"), (Decimal("42.00"), "fee_schedule"), (None, "none")]


def test_a_claim_per_coverage_in_order_each_with_its_own_control_number(bill, make_coverage):
    plan = bill(coverages=[make_coverage("primary"), make_coverage("secondary", payer_id="BETA02", member_id="B7")])
    assert [(c.coverage_sequence, c.payer.payer_id, c.member_id) for c in plan.claims] == [
        ("primary", "ACME01", "M1"), ("secondary", "BETA02", "B7")]
    assert len({c.patient_control_number for c in plan.claims}) == 2


def test_self_pay_encounter_makes_no_claim(bill):
    assert bill(self_pay=True).claims == []


def test_revision_of_a_billed_encounter_is_a_replacement_naming_the_payer_claim_number(sent, bill, make_remit,
                                                                                        coded_at):
    original = sent()
    original.record_remit(_remit_for(original, make_remit), at=coded_at, actor="RemitReceived")
    plan = bill(previous={"primary": original}, encounter_id=original.encounter_id, revision=2)
    [replacement] = plan.claims
    assert (replacement.frequency_code, replacement.original_payer_claim_number) == ("7", "PCC-9")
    assert replacement.patient_control_number == original.patient_control_number
    assert replacement.lines[0].line_control_number == f"{original.patient_control_number}-2-1"
    assert plan.retired == [] and original.status == S.PAID


def test_a_replacement_before_the_payer_named_its_claim_number_is_held(sent, bill):
    original = sent()
    [replacement] = bill(previous={"primary": original}, encounter_id=original.encounter_id, revision=2).claims
    assert (replacement.frequency_code, replacement.original_payer_claim_number) == ("7", None)
    replacement.learn_payer_claim_number("PCC-77")
    assert replacement.original_payer_claim_number == "PCC-77"


def test_revision_after_a_claim_that_never_left_is_an_original_and_retires_it(bill, coded_at):
    [unsent] = bill(charges=(None,)).claims
    unsent.apply_scrub(HELD, at=coded_at, actor="test")
    plan = bill(previous={"primary": unsent}, encounter_id=unsent.encounter_id, revision=2)
    [corrected] = plan.claims
    assert corrected.frequency_code == "1" and corrected.patient_control_number == unsent.patient_control_number
    assert plan.retired == [unsent] and unsent.status == S.CLOSED
    assert unsent.history[-1].reason == "superseded by encounter revision 2"


def test_a_ready_claim_not_yet_batched_is_retired_by_a_new_revision(bill, coded_at):
    [ready] = bill().claims
    ready.apply_scrub(CLEAN, at=coded_at, actor="test")
    plan = bill(previous={"primary": ready}, encounter_id=ready.encounter_id, revision=2)
    assert plan.retired == [ready] and plan.claims[0].frequency_code == "1"


def test_a_failed_replacement_does_not_turn_the_next_revision_into_an_original(sent, bill, make_remit, coded_at):
    original = sent()
    original.record_remit(_remit_for(original, make_remit, outcome="denied", paid="0.00"), at=coded_at,
                          actor="RemitReceived")
    [failed] = bill(previous={"primary": original}, encounter_id=original.encounter_id, revision=2).claims
    failed.apply_scrub(HELD, at=coded_at, actor="test")
    [third] = bill(previous={"primary": failed}, encounter_id=original.encounter_id, revision=3).claims
    assert (third.frequency_code, third.original_payer_claim_number) == ("7", "PCC-9")


def test_a_coverage_moved_to_another_payer_voids_the_first_payers_claim(sent, bill, make_remit, make_coverage,
                                                                          coded_at):
    original = sent()
    original.record_remit(_remit_for(original, make_remit), at=coded_at, actor="RemitReceived")
    plan = bill(previous={"primary": original}, encounter_id=original.encounter_id, revision=2,
                coverages=[make_coverage("primary", payer_id="BETA02")])
    void, new = plan.claims
    assert (void.frequency_code, void.payer.payer_id, void.original_payer_claim_number) == ("8", "ACME01", "PCC-9")
    assert void.patient_control_number == original.patient_control_number and void.encounter_revision == 2
    assert [line.charge for line in void.lines] == [line.charge for line in original.lines]
    assert (new.frequency_code, new.payer.payer_id) == ("1", "BETA02")
    assert new.patient_control_number != original.patient_control_number


def test_a_coverage_that_went_away_voids_its_claim(sent, bill):
    original = sent()
    plan = bill(previous={"primary": original}, encounter_id=original.encounter_id, revision=2, self_pay=True)
    [void] = plan.claims
    assert (void.frequency_code, void.original_payer_claim_number, void.status) == ("8", None, S.DRAFT)


# ---------------------------------------------------------------- the work queue: corrections and acknowledgements
def test_a_correction_changes_the_claim_and_is_recorded(bill, coded_at):
    [claim] = bill(charges=("125.00", "40.00", None)).claims
    claim.apply_scrub(HELD, at=coded_at, actor="test")
    claim.correct(Correction(prior_authorization_number="AUTH-7",
                             lines=(LineCorrection(3, charge=Decimal("60.00"), diagnosis_pointers=(1,)),)),
                  at=coded_at, actor="pat")
    assert claim.prior_authorization_number == "AUTH-7"
    assert (claim.lines[2].charge, claim.lines[2].charge_source) == (Decimal("60.00"), "ehr")
    assert (claim.history[-1].actor, claim.history[-1].reason) == ("pat", "corrected: prior_authorization_number, line 3")
    with pytest.raises(NotCorrectable, match="no line 9"):
        claim.correct(Correction(lines=(LineCorrection(9, charge=Decimal(1)),)), at=coded_at, actor="pat")


def test_a_claim_at_the_payer_cannot_be_corrected(sent, coded_at):
    with pytest.raises(NotCorrectable):
        sent().correct(Correction(member_id="X"), at=coded_at, actor="pat")


def test_a_rejection_sends_the_claim_back_with_the_reasons_as_findings(sent, coded_at):
    claim = sent()
    claim.reject([Rejection("277CA", "A7:562:85", "The payer rejected ...", "Correct the NPI ...")], at=coded_at,
                 actor="system:batcher")
    assert claim.status == S.REJECTED and claim.batch_id is None
    assert [(f.rule_id, f.severity) for f in claim.findings] == [("277CA-A7:562:85", "error")]
    claim.correct(Correction(member_id="M2"), at=coded_at, actor="pat")
    claim.apply_scrub(CLEAN, at=coded_at, actor="pat")
    assert claim.status == S.READY and claim.frequency_code == "1"


def test_acceptance_keeps_the_payers_claim_number(sent, coded_at):
    claim = sent()
    claim.accept(payer_claim_number="PCC-1", code="A2:20", at=coded_at, actor="system")
    assert (claim.status, claim.payer_claim_control_number) == (S.ACCEPTED, "PCC-1")
    assert claim.reached_payer


def test_a_held_replacement_becomes_an_original_when_the_payer_rejects_the_original(sent, bill, coded_at):
    original = sent()
    [replacement] = bill(previous={"primary": original}, encounter_id=original.encounter_id, revision=2).claims
    replacement.apply_scrub([ScrubFinding("HOLD-PAYER-CLAIM-NUMBER", "error", "m", "f")], at=coded_at, actor="t")
    assert replacement.held_for_payer_claim_number
    replacement.become_original(at=coded_at, actor="t", reason="the payer rejected the original")
    assert (replacement.frequency_code, replacement.original_payer_claim_number) == ("1", None)


# ---------------------------------------------------------------- remits
@pytest.mark.parametrize("outcome,status", [("paid", S.PAID), ("partially_paid", S.PARTIALLY_PAID), ("denied", S.DENIED)])
def test_remit_outcome_sets_status_amounts_and_payer_claim_number(outcome, status, sent, make_remit, coded_at):
    claim = sent()
    claim.record_remit(_remit_for(claim, make_remit, outcome=outcome), at=coded_at, actor="RemitReceived")
    assert claim.status == status and claim.total_paid == Decimal("100.00")
    assert claim.payer_claim_control_number == "PCC-9"
    assert claim.patient_responsibility == (Decimal("0.00") if outcome == "denied" else Decimal("20.00"))
    assert (claim.history[-1].actor, claim.history[-1].to_status) == ("RemitReceived", status)


def test_reversal_sends_a_paid_claim_back_to_submitted(sent, make_remit, coded_at):
    claim = sent()
    claim.record_remit(_remit_for(claim, make_remit), at=coded_at, actor="RemitReceived")
    claim.record_remit(_remit_for(claim, make_remit, outcome="reversed", paid="-100.00"), at=coded_at,
                       actor="RemitReceived")
    assert claim.status == S.SUBMITTED and claim.total_paid is None and claim.patient_responsibility is None
    assert claim.payer_claim_control_number == "PCC-9"


def test_a_reversal_of_a_replaced_claim_closes_it(sent, bill, make_remit, coded_at):
    original = sent()
    original.record_remit(_remit_for(original, make_remit), at=coded_at, actor="RemitReceived")
    [replacement] = bill(previous={"primary": original}, encounter_id=original.encounter_id, revision=2).claims
    assert original.is_replaced_by(replacement) and not replacement.is_replaced_by(original)
    original.record_remit(_remit_for(original, make_remit, outcome="reversed", paid="-100.00"), at=coded_at,
                          actor="RemitReceived", replaced_by=replacement)
    assert original.status == S.CLOSED and original.total_paid is None
    assert f"replaced by claim {replacement.id}" in original.history[-1].reason


def test_a_remit_that_does_not_fit_the_status_changes_nothing(bill, make_remit, coded_at):
    [claim] = bill().claims
    claim.apply_scrub(HELD, at=coded_at, actor="test")
    with pytest.raises(IllegalTransition):
        claim.record_remit(_remit_for(claim, make_remit), at=coded_at, actor="RemitReceived")
    assert claim.status == S.SCRUB_FAILED and claim.total_paid is None and claim.payer_claim_control_number is None


def test_a_void_copies_the_claim_not_its_history(sent, bill):
    original = sent()
    [void] = bill(previous={"primary": original}, encounter_id=original.encounter_id, revision=2, self_pay=True).claims
    assert len(void.history) == 1 and void.persisted_history == 0
    assert replace(void, id=original.id) != original
