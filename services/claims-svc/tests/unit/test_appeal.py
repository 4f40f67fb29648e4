"""Appeals without a database: who may appeal, until when, and what the letter says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from claims_svc.domain.appeal import AppealRefused, appeal_deadline, file_appeal
from claims_svc.domain.claim import ClaimStatus, bill_revision
from claims_svc.domain.denial import BillingDenial

DENIED_AT = datetime(2026, 12, 1, 15, tzinfo=timezone.utc)
ARGUMENT = "The visit was medically necessary: the A1c was out of range, see the enclosed progress note."


@pytest.fixture
def denied(make_coded, make_remit, make_denial, coded_at, reference):  # type: ignore[no-untyped-def]
    claim = bill_revision("t1", make_coded(), previous={}, fee_schedule=reference.fees, now=coded_at,
                          actor="test").claims[0]
    claim.apply_scrub([], at=coded_at, actor="test")
    claim.mark_submitted(claim.id, at=coded_at, actor="system:batcher")
    remit = make_remit(claim_id=claim.id, encounter_id=claim.encounter_id,
                       patient_control_number=claim.patient_control_number, outcome="denied", paid="0.00")
    claim.record_remit(remit, at=DENIED_AT, actor="RemitReceived")
    denial = BillingDenial.queue_item("t1", make_denial(claim_id=claim.id, encounter_id=claim.encounter_id),
                                      received_at=DENIED_AT)
    return claim, [denial]


def test_the_deadline_counts_the_payers_appeal_days_from_the_denial(denied, reference):
    claim, _ = denied
    assert appeal_deadline(claim, reference.payer) == date(2026, 12, 1) + timedelta(days=180)
    assert appeal_deadline(claim, replace(reference.payer, appeal_days=60)) == date(2027, 1, 30)


def test_an_appeal_moves_the_claim_and_writes_the_letter(denied, reference):
    claim, denials = denied
    appeal = file_appeal(claim, payer=reference.payer, billing=reference.billing, denials=denials, argument=ARGUMENT,
                         today=date(2026, 12, 10), at=DENIED_AT, actor="pat")
    assert claim.status == ClaimStatus.APPEALED and claim.history[-1].actor == "pat"
    assert appeal.deadline == date(2027, 5, 30) and appeal.denied_on == date(2026, 12, 1)
    letter = appeal.letter
    for expected in ("Prairie Family Medicine", "Acme Health Plan", "Re: Request for reconsideration of claim PCC-9",
                     "Patient: Jo Doe   Date of birth: 1970-01-02   Member id: M1", "- CO-16 MA130 on the claim:",
                     ARGUMENT, "99213 x1 130.00", "Diagnoses: E119", "December 10, 2026"):
        assert expected in letter, expected


def test_no_appeal_after_the_window_or_of_a_claim_that_was_not_denied(denied, reference, make_coded, coded_at):
    claim, denials = denied
    with pytest.raises(AppealRefused, match="closed on 2027-05-30"):
        file_appeal(claim, payer=reference.payer, billing=reference.billing, denials=denials, argument=ARGUMENT,
                    today=date(2027, 6, 1), at=DENIED_AT, actor="pat")
    ready = bill_revision("t1", make_coded(), previous={}, fee_schedule=reference.fees, now=coded_at,
                          actor="t").claims[0]
    with pytest.raises(AppealRefused, match="only denied or partially paid"):
        file_appeal(ready, payer=reference.payer, billing=reference.billing, denials=[], argument=ARGUMENT,
                    today=date(2026, 12, 10), at=DENIED_AT, actor="pat")
