from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from openrcm_shared.contracts import PayerRef, PaymentInfo
from payments_svc.domain.remittance_document import ClaimPayment, RemittanceDocument, ServiceLinePayment
from payments_svc.domain.remittance_rules import cross_field_problems

TODAY = date(2026, 3, 1)


def document(amount: str, method: str, *claims: ClaimPayment) -> RemittanceDocument:
    return RemittanceDocument(
        payer=PayerRef(payer_id="P1", name="Payer"),
        payment=PaymentInfo(trace_number="T1", method=method, amount=Decimal(amount), payment_date=TODAY),
        claims=claims,
    )


def test_a_consistent_remittance_has_no_problems():
    claim = ClaimPayment(patient_control_number="A", status_code="1", total_charge=Decimal("10.00"),
                         total_paid=Decimal("10.00"))
    assert cross_field_problems(document("10.00", "CHK", claim), TODAY) == []


def test_every_cross_field_problem_is_listed():
    later = TODAY + timedelta(days=2)
    claims = (
        ClaimPayment(patient_control_number="A", status_code="22", total_charge=Decimal("10.00"),
                     total_paid=Decimal("5.00"), adjudicated_on=later),
        ClaimPayment(patient_control_number="B", status_code="1", total_charge=Decimal("-3.00"),
                     total_paid=Decimal("0.00"),
                     lines=(ServiceLinePayment(procedure_code="99213", charge=Decimal("1.00"), paid=Decimal("1.00"),
                                               service_date=later),)),
    )
    pointers = [p["pointer"] for p in cross_field_problems(document("9.00", "NON", *claims), TODAY)]
    assert pointers == [
        "/payment/amount", "/payment/amount", "/claims/0/total_charge", "/claims/0/adjudicated_on",
        "/claims/1/total_charge", "/claims/1/lines/0/service_date",
    ]
