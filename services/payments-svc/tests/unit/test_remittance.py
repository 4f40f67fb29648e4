"""Posting a remittance: matching, holding, events."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from openrcm_devtools.samples import claim_submitted_event
from openrcm_shared.contracts import Adjustment, DenialRaised, PayerRef, PaymentInfo, RemitReceived
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.remittance import RemitClaimStatus, Remittance
from payments_svc.domain.remittance_document import ClaimPayment, RemittanceDocument, ServiceLinePayment

D = Decimal
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def cas(group: str, code: str, amount: str) -> Adjustment:
    return Adjustment(group=group, reason_code=code, amount=D(amount))


def expected(pcn: str) -> ExpectedClaim:
    return ExpectedClaim.from_submission("t1", claim_submitted_event(pcn=pcn, charge="100.00"))


def post(*claims: ClaimPayment, known: dict[str, ExpectedClaim], latest=None) -> Remittance:  # type: ignore[no-untyped-def]
    document = RemittanceDocument(
        payer=PayerRef(payer_id="P1", name="Payer"),
        payment=PaymentInfo(trace_number="T1", method="ACH", amount=sum((c.total_paid for c in claims), D(0)),
                            payment_date=date(2026, 3, 1)),
        claims=claims,
    )
    return Remittance.post(tenant_id="t1", actor="poster", document=document, received_at=NOW,
                           expected_claims=known, latest_postings=latest or {})


def paid(pcn: str, status: str = "1") -> ClaimPayment:
    return ClaimPayment(
        patient_control_number=pcn, status_code=status, total_charge=D("100.00"), total_paid=D("70.00"),
        lines=(ServiceLinePayment(line_control_number=f"{pcn}-1", procedure_code="99213", charge=D("100.00"),
                                  paid=D("70.00"), adjustments=(cas("CO", "45", "20.00"), cas("PR", "2", "10.00"))),),
    )


def test_matched_balanced_claim_is_posted_and_emits_remit_received_with_the_snapshot():
    claim = expected("PCN1")
    remittance = post(paid("PCN1"), known={"PCN1": claim})
    [posted] = remittance.claims
    assert posted.status == RemitClaimStatus.POSTED and posted.outcome == "paid"
    [event] = remittance.events
    assert isinstance(event, RemitReceived)
    assert (event.claim_id, event.encounter_id, event.patient, event.coverage_sequence) == (
        claim.claim_id, claim.encounter_id, claim.patient, claim.coverage_sequence
    )
    assert event.remit_claim_id == posted.id and event.remittance_id == remittance.id
    assert event.patient_responsibility.coinsurance == D("10.00")
    assert event.lines[0].patient_responsibility.coinsurance == D("10.00")
    assert event.payment.trace_number == "T1"


def test_unmatched_and_unbalanced_claims_are_kept_but_emit_nothing():
    unbalanced = paid("PCN2").model_copy(update={"total_paid": D("75.00")})
    remittance = post(paid("NOBODY"), unbalanced, known={"PCN2": expected("PCN2")})
    assert [c.status for c in remittance.claims] == [RemitClaimStatus.UNMATCHED, RemitClaimStatus.OUT_OF_BALANCE]
    assert not remittance.claims[1].balanced and remittance.claims[1].balance_problems
    assert remittance.events == []
    summary = remittance.summary()
    counts = (summary.claim_count, summary.posted_count, summary.unmatched_count, summary.out_of_balance_count)
    assert counts == (2, 0, 1, 1)


def test_denied_claim_emits_remit_received_then_denial_raised():
    denied = ClaimPayment(patient_control_number="PCN3", status_code="4", total_charge=D("100.00"),
                          total_paid=D("0.00"), adjustments=(cas("CO", "16", "100.00"),), remark_codes=("MA130",))
    remittance = post(denied, paid("PCN4"), known={"PCN3": expected("PCN3"), "PCN4": expected("PCN4")})
    assert [type(e).__name__ for e in remittance.events] == ["RemitReceived", "DenialRaised", "RemitReceived"]
    denial = remittance.events[1]
    assert isinstance(denial, DenialRaised)
    assert denial.denial_id == remittance.claims[0].denials[0].id
    assert (denial.level, denial.owning_department.value, denial.remark_codes) == ("claim", "billing", ["MA130"])


def test_reversal_names_the_posting_it_takes_back():
    claim = expected("PCN5")
    earlier_posting = uuid.uuid4()
    reversal = ClaimPayment(patient_control_number="PCN5", status_code="22", total_charge=D("-100.00"),
                            total_paid=D("-70.00"), adjustments=(cas("CO", "45", "-20.00"), cas("PR", "2", "-10.00")))
    remittance = post(reversal, known={"PCN5": claim}, latest={claim.id: earlier_posting})
    [event] = remittance.events
    assert isinstance(event, RemitReceived)
    assert event.outcome == "reversed" and event.reverses_remit_claim_id == earlier_posting
    assert event.patient_responsibility.coinsurance == D("-10.00")


def stage_one(payment: ClaimPayment, known: ExpectedClaim | None, *, amount: str | None = None, plb=(), reversal=None):  # type: ignore[no-untyped-def]
    from payments_svc.domain.remittance_document import RemittanceHeader

    header = RemittanceHeader(payer=PayerRef(payer_id="P1", name="Payer"), payment=PaymentInfo(
        trace_number="T1", method="ACH", amount=D(amount) if amount else payment.total_paid,
        payment_date=date(2026, 3, 1)))
    remittance = Remittance.receive(tenant_id="t1", actor="poster", header=header, received_at=NOW, source="x12")
    claim = remittance.stage(1, payment, known, reversal=reversal)
    remittance.close(plb)
    return remittance, claim


def test_staging_posts_nothing_and_a_clean_remittance_is_one_with_no_warnings():
    known = expected("PCN1")
    remittance, claim = stage_one(paid("PCN1"), known)
    assert remittance.events == [] and claim.status == RemitClaimStatus.POSTED and remittance.clean
    [finding] = claim.planned_denials() or [None]
    assert finding is None
    events = remittance.post_claim(claim, known)
    assert [type(e).__name__ for e in events] == ["RemitReceived"]
    assert events[0].lines[0].line_control_number == "PCN1-1"


def test_predetermination_unmatched_lines_and_reversals_without_a_posting_are_noted():
    from payments_svc.domain.remittance import ReversalTarget

    estimate = paid("NOBODY", status="25")
    _, claim = stage_one(estimate, None)
    assert claim.status == RemitClaimStatus.PREDETERMINATION and claim.clean
    other_line = paid("PCN1").model_copy(update={"lines": (paid("PCN1").lines[0].model_copy(
        update={"procedure_code": "99999", "line_control_number": None}),)})
    remittance, claim = stage_one(other_line, expected("PCN1"))
    assert [n.code for n in claim.notes] == ["unmatched_line"] and not remittance.clean
    reversal = paid("PCN1", status="22").model_copy(update={"total_charge": D("-100.00"), "total_paid": D("-70.00"),
                                                            "lines": ()})
    _, claim = stage_one(reversal.model_copy(update={"adjustments": (cas("CO", "45", "-30.00"),)}), expected("PCN1"))
    assert [n.code for n in claim.notes] == ["reversal_without_posting"]
    _, claim = stage_one(reversal.model_copy(update={"adjustments": (cas("CO", "45", "-30.00"),)}), expected("PCN1"),
                         reversal=ReversalTarget(uuid.uuid4(), D("100.00"), D("60.00")))
    assert [n.code for n in claim.notes] == ["reversal_amounts_differ"]


def test_a_payment_balances_with_its_provider_adjustments():
    from payments_svc.domain.remittance_document import ProviderAdjustment

    plb = [ProviderAdjustment(provider_id="1234567893", reason_code="WO", reference="ICN9", amount=D("10.00"))]
    remittance, _ = stage_one(paid("PCN1"), expected("PCN1"), amount="60.00", plb=plb)
    assert remittance.balance_problem is None and remittance.clean
    remittance, _ = stage_one(paid("PCN1"), expected("PCN1"), amount="70.00", plb=plb)
    assert "minus provider adjustments 10.00 is 60.00" in remittance.balance_problem and not remittance.clean


def _staged(*claims: ClaimPayment, known: dict[str, ExpectedClaim]) -> Remittance:
    document = RemittanceDocument(
        payer=PayerRef(payer_id="P1", name="Payer"),
        payment=PaymentInfo(trace_number="T2", method="ACH", amount=sum((c.total_paid for c in claims), D(0)),
                            payment_date=date(2026, 3, 1)),
        claims=claims,
    )
    remittance = Remittance.receive(tenant_id="t1", actor="poster", header=document.header, received_at=NOW,
                                    source="x12-drop")
    for sequence, payment in enumerate(document.claims, start=1):
        remittance.stage(sequence, payment, known.get(payment.patient_control_number))
    remittance.close(())
    return remittance


def test_a_claim_matched_late_is_assessed_as_staging_would_have_and_keeps_its_id():
    remittance = _staged(paid("LATE1"), paid("KNOWN1"), known={"KNOWN1": expected("KNOWN1")})
    waiting = remittance.claims[0]
    assert waiting.status == RemitClaimStatus.UNMATCHED and not remittance.clean
    claim = expected("LATE1")
    late = remittance.match_late(waiting, claim)
    staged_in_time = _staged(paid("LATE1"), known={"LATE1": claim}).claims[0]
    assert (late.id, late.sequence, late.remittance_id) == (waiting.id, waiting.sequence, remittance.id)
    assert (late.status, late.match, late.line_matches, late.notes) == (
        staged_in_time.status, staged_in_time.match, staged_in_time.line_matches, staged_in_time.notes)
    assert late.match is not None and late.match.claim_id == claim.claim_id
    assert remittance.claims[0] is late and remittance.clean  # the only unclean claim is matched now
    summary = remittance.summary()
    assert (summary.posted_count, summary.unmatched_count) == (2, 0)
    [remit, *_] = remittance.post_claim(late, claim)
    assert isinstance(remit, RemitReceived) and remit.remit_claim_id == waiting.id


def test_a_late_match_that_does_not_balance_is_held_and_only_unmatched_claims_match_late():
    unbalanced = paid("LATE2").model_copy(update={"total_paid": D("75.00")})
    remittance = _staged(unbalanced, known={})
    late = remittance.match_late(remittance.claims[0], expected("LATE2"))
    assert late.status == RemitClaimStatus.OUT_OF_BALANCE and not remittance.clean
    assert remittance.post_claim(late, expected("LATE2")) == []
    with pytest.raises(ValueError):
        remittance.match_late(late, expected("LATE2"))  # no longer unmatched: never matched twice
