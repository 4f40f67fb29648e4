"""Which denials a payer's answer raises, routed to whom, explained how."""

from __future__ import annotations

from decimal import Decimal

from openrcm_shared.contracts import Adjustment
from openrcm_shared.contracts.events import DenialCategory, Department, RecommendedAction
from payments_svc.domain.adjudication import claim_outcome
from payments_svc.domain.denials import find_denials
from payments_svc.domain.remittance_document import ClaimPayment, ServiceLinePayment

D = Decimal


def cas(group: str, code: str, amount: str) -> Adjustment:
    return Adjustment(group=group, reason_code=code, amount=D(amount))


def test_denied_claim_raises_one_claim_level_denial_with_every_denying_adjustment():
    claim = ClaimPayment(
        patient_control_number="PCN1", status_code="4", total_charge=D("165.00"), total_paid=D("0.00"),
        remark_codes=("N115",),
        lines=(
            ServiceLinePayment(procedure_code="99213", charge=D("125.00"), paid=D("0.00"),
                               adjustments=(cas("CO", "50", "125.00"),)),
            ServiceLinePayment(procedure_code="83036", charge=D("40.00"), paid=D("0.00"),
                               adjustments=(cas("CO", "16", "40.00"),), remark_codes=("MA130",)),
        ),
    )
    [denial] = find_denials(claim, claim_outcome(claim))
    assert denial.level == "claim" and denial.line_control_number is None
    assert denial.denied_amount == D("165.00")
    assert [a.reason_code for a in denial.adjustments] == ["50", "16"]
    # Routed by the largest denying adjustment: medical necessity, coding's.
    assert (denial.category, denial.owning_department, denial.recommended_action) == (
        DenialCategory.CODING, Department.CODING, RecommendedAction.APPEAL
    )
    assert denial.remark_codes == ("N115", "MA130")
    assert "CO-50" in denial.explanation and "CO-16" in denial.explanation and "Owner: coding" in denial.explanation


def test_each_denied_line_of_a_paid_claim_raises_a_line_denial():
    claim = ClaimPayment(
        patient_control_number="PCN1", status_code="1", total_charge=D("205.00"), total_paid=D("100.00"),
        lines=(
            ServiceLinePayment(line_control_number="L1", procedure_code="99213", charge=D("125.00"), paid=D("100.00"),
                               adjustments=(cas("CO", "45", "25.00"),)),
            ServiceLinePayment(line_control_number="L2", procedure_code="36415", charge=D("40.00"), paid=D("0.00"),
                               adjustments=(cas("CO", "97", "40.00"),), remark_codes=("M15",)),
            ServiceLinePayment(line_control_number="L3", procedure_code="81002", charge=D("40.00"), paid=D("0.00"),
                               adjustments=(cas("CO", "197", "40.00"),)),
        ),
    )
    denials = find_denials(claim, claim_outcome(claim))
    assert [(d.level, d.line_control_number, d.procedure_code, d.owning_department) for d in denials] == [
        ("line", "L2", "36415", Department.CODING), ("line", "L3", "81002", Department.BILLING),
    ]
    assert denials[0].remark_codes == ("M15",)
    assert denials[1].category == DenialCategory.AUTHORIZATION


def test_no_denials_for_paid_or_reversed_claims():
    paid = ClaimPayment(patient_control_number="P", status_code="1", total_charge=D("100.00"), total_paid=D("80.00"),
                        adjustments=(cas("CO", "45", "20.00"),))
    reversal = ClaimPayment(patient_control_number="P", status_code="22", total_charge=D("-100.00"),
                            total_paid=D("0.00"), adjustments=(cas("CO", "50", "-100.00"),))
    assert find_denials(paid, claim_outcome(paid)) == []
    assert find_denials(reversal, claim_outcome(reversal)) == []


def test_explanation_carries_codes_and_amounts_only():
    claim = ClaimPayment(patient_control_number="PCN-SECRET", status_code="4", total_charge=D("50.00"),
                         total_paid=D("0.00"), adjustments=(cas("CO", "29", "50.00"),))
    [denial] = find_denials(claim, claim_outcome(claim))
    assert "PCN-SECRET" not in denial.explanation
    assert denial.explanation.startswith("The payer denied 50.00 on the claim: CO-29")
