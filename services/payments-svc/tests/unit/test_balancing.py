from __future__ import annotations

from datetime import date
from decimal import Decimal

from openrcm_shared.contracts import Adjustment, PayerRef, PaymentInfo
from payments_svc.domain.balancing import claim_balance_problems, payment_balances
from payments_svc.domain.remittance_document import ClaimPayment, RemittanceDocument, ServiceLinePayment

D = Decimal


def line(charge: str, paid: str, *adjustments: tuple[str, str, str]) -> ServiceLinePayment:
    return ServiceLinePayment(
        procedure_code="99213", charge=D(charge), paid=D(paid),
        adjustments=tuple(Adjustment(group=g, reason_code=c, amount=D(a)) for g, c, a in adjustments),
    )


def claim(charge: str, paid: str, *lines: ServiceLinePayment, adjustments=()) -> ClaimPayment:  # type: ignore[no-untyped-def]
    return ClaimPayment(
        patient_control_number="PCN1", status_code="1", total_charge=D(charge), total_paid=D(paid),
        adjustments=tuple(Adjustment(group=g, reason_code=c, amount=D(a)) for g, c, a in adjustments), lines=lines,
    )


def test_claim_and_lines_that_add_up_balance():
    balanced = claim("165.00", "112.00", line("125.00", "80.00", ("CO", "45", "25.00"), ("PR", "1", "20.00")),
                     line("40.00", "32.00", ("CO", "45", "8.00")))
    assert claim_balance_problems(balanced) == []


def test_claim_level_adjustments_count_with_the_line_adjustments():
    balanced = claim("100.00", "70.00", line("100.00", "90.00", ("CO", "45", "10.00")),
                     adjustments=[("PR", "3", "20.00")])
    assert claim_balance_problems(balanced) == []


def test_a_line_that_does_not_add_up_is_named_by_its_pointer():
    # The claim totals add up (100 - 30 = 70) but line 1's own amounts do not (60 - 0 != 30).
    off = claim("100.00", "70.00", line("40.00", "40.00"), line("60.00", "30.00"), adjustments=[("CO", "45", "30.00")])
    assert [p.pointer for p in claim_balance_problems(off)] == ["/lines/1"]


def test_a_claim_whose_payment_does_not_add_up_is_flagged():
    off = claim("100.00", "90.00", adjustments=[("CO", "45", "20.00")])
    problems = claim_balance_problems(off)
    assert [p.pointer for p in problems] == [""]
    assert "80.00" in problems[0].message and "90.00" in problems[0].message


def test_reversal_with_negated_amounts_balances():
    reversal = claim("-100.00", "-80.00", adjustments=[("CO", "45", "-20.00")])
    assert claim_balance_problems(reversal) == []


def test_payment_must_equal_the_sum_of_claim_payments():
    payer = PayerRef(payer_id="P1", name="Payer")
    claims = (
        claim("100.00", "80.00", adjustments=[("CO", "45", "20.00")]),
        claim("50.00", "0.00", adjustments=[("CO", "50", "50.00")]),
    )

    def document(amount: str) -> RemittanceDocument:
        payment = PaymentInfo(trace_number="T1", method="ACH", amount=D(amount), payment_date=date(2026, 1, 5))
        return RemittanceDocument(payer=payer, payment=payment, claims=claims)

    assert payment_balances(document("80.00"))
    assert not payment_balances(document("80.01"))
