"""Payment reconciliation and denial rates."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

from openrcm_shared.contracts import Adjustment, PayerRef, PaymentInfo
from payments_svc.domain.reconciliation import DenialRecord, denial_rates, deposit_problems, reconcile
from payments_svc.domain.remittance import Deposit, RemittanceStatus, RemittanceSummary

D = Decimal
NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def summary(amount: str, paid: str, plb: str = "0.00", *, credit_debit: str = "C", deposit=None,  # type: ignore[no-untyped-def]
            status=RemittanceStatus.POSTED) -> RemittanceSummary:
    return RemittanceSummary(
        id=uuid.uuid4(), payer=PayerRef(payer_id="P1", name="Payer"),
        payment=PaymentInfo(trace_number="T1", method="ACH", amount=D(amount), payment_date=date(2026, 11, 20)),
        source="x12-upload", received_by="poster", received_at=NOW, claim_count=2, posted_count=1, unmatched_count=1,
        out_of_balance_count=0, denial_count=0, status=status, claims_paid_total=D(paid),
        provider_adjustment_total=D(plb), credit_debit=credit_debit, deposit=deposit,
    )


def test_a_payment_reconciles_with_posted_and_held_claim_payments_and_plb():
    result = reconcile(summary("80.00", "100.00", "20.00"), posted_claims_paid=D("70.00"))
    assert (result.posted_claims_paid, result.held_claims_paid, result.difference) == (D("70.00"), D("30.00"), 0)
    assert not result.reconciled
    debit = reconcile(summary("50.00", "-50.00", credit_debit="D"), posted_claims_paid=D("-50.00"))
    assert (debit.amount, debit.difference) == (D("-50.00"), 0)


def test_a_deposit_matches_only_a_posted_payment_of_the_same_amount_once():
    assert deposit_problems(summary("80.00", "80.00"), D("80.00")) == []
    assert deposit_problems(summary("80.00", "80.00"), D("79.99")) == ["the deposit amount differs from the payment amount"]
    assert deposit_problems(summary("80.00", "80.00", status=RemittanceStatus.PENDING), D("80.00")) == [
        "the payment is not posted yet"]
    matched = Deposit("DEP1", date(2026, 11, 21), D("80.00"), "poster", NOW)
    assert deposit_problems(summary("80.00", "80.00", deposit=matched), D("80.00")) == [
        "the payment is already matched to a deposit"]


def record(claim: uuid.UUID, payer: str, category: str, department: str, *adjustments: tuple[str, str, str]) -> DenialRecord:
    adj = tuple(Adjustment(group=g, reason_code=c, amount=D(a)) for g, c, a in adjustments)
    return DenialRecord(claim, payer, category, department, sum((a.amount for a in adj), D(0)), adj)


def test_denial_rates_by_payer_carc_category_and_department():
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    records = [record(a, "P1", "coding", "coding", ("CO", "50", "100.00")),
               record(b, "P1", "missing_information", "billing", ("CO", "16", "40.00"), ("CO", "252", "10.00")),
               record(b, "P1", "coding", "coding", ("CO", "97", "5.00")),
               record(c, "P2", "coding", "coding", ("CO", "50", "30.00"))]
    posted = {"P1": 4, "P2": 2, "P3": 1}
    by_payer = {r.key: (r.claims, r.denied_claims, r.denials, r.rate) for r in denial_rates("payer", posted, records)}
    assert by_payer == {"P1": (4, 2, 3, D("0.5")), "P2": (2, 1, 1, D("0.5")), "P3": (1, 0, 0, D("0"))}
    by_carc = {r.key: (r.denied_claims, r.denied_amount) for r in denial_rates("carc", posted, records)}
    assert by_carc == {"CO-50": (2, D("130.00")), "CO-16": (1, D("40.00")), "CO-252": (1, D("10.00")),
                       "CO-97": (1, D("5.00"))}
    by_department = {r.key: (r.claims, r.denied_claims) for r in denial_rates("department", posted, records)}
    assert by_department == {"coding": (7, 3), "billing": (7, 1)}
    assert [r.key for r in denial_rates("category", posted, records)] == ["coding", "missing_information"]
