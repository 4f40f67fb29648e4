"""Posting a remittance: matching, holding, events."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

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
