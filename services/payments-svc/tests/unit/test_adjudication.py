"""Outcome of a claim and the patient's share."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openrcm_shared.contracts import Adjustment
from payments_svc.domain.adjudication import claim_outcome, line_is_denied, patient_responsibility
from payments_svc.domain.remittance_document import ClaimPayment, ServiceLinePayment

D = Decimal


def adjustments(*entries: str) -> tuple[Adjustment, ...]:
    """'CO-45:20.00' -> Adjustment(CO, 45, 20.00)."""
    result = []
    for entry in entries:
        label, amount = entry.split(":")
        group, code = label.split("-")
        result.append(Adjustment(group=group, reason_code=code, amount=D(amount)))
    return tuple(result)


def line(charge: str, paid: str, *cas: str) -> ServiceLinePayment:
    return ServiceLinePayment(procedure_code="99213", charge=D(charge), paid=D(paid), adjustments=adjustments(*cas))


def claim(
    charge: str, paid: str, *lines: ServiceLinePayment, status: str = "1", cas: tuple[str, ...] = ()
) -> ClaimPayment:
    return ClaimPayment(patient_control_number="PCN1", status_code=status, total_charge=D(charge), total_paid=D(paid),
                        adjustments=adjustments(*cas), lines=lines)


def test_patient_share_is_split_from_claim_and_line_pr_adjustments():
    paid = claim("200.00", "95.00",
                 line("100.00", "50.00", "CO-45:20.00", "PR-1:20.00", "PR-2:10.00"),
                 line("100.00", "45.00", "CO-45:20.00", "PR-2:5.00", "PR-96:30.00"),
                 cas=("PR-3:0.00",))
    share = patient_responsibility(paid.all_adjustments)
    assert (share.deductible, share.coinsurance, share.copay, share.other) == (
        D("20.00"), D("15.00"), D("0.00"), D("30.00")
    )
    assert share.total == D("65.00")


def test_copay_at_claim_level_counts():
    share = patient_responsibility(adjustments("PR-3:25.00", "CO-45:10.00"))
    assert share.copay == D("25.00") and share.total == D("25.00")


@pytest.mark.parametrize(
    ("payment", "expected"),
    [
        (claim("165.00", "112.00", line("125.00", "80.00", "CO-45:25.00", "PR-1:20.00"),
               line("40.00", "32.00", "CO-45:8.00")), "paid"),
        # Applied to the deductible in full: nothing paid, nothing denied.
        (claim("100.00", "0.00", line("100.00", "0.00", "CO-45:20.00", "PR-1:80.00")), "paid"),
        (claim("100.00", "0.00", line("100.00", "0.00", "CO-50:100.00"), status="4"), "denied"),
        # Status 1, but nothing paid and a denial: denied.
        (claim("100.00", "0.00", cas=("CO-16:100.00",)), "denied"),
        # One line denied, the other paid.
        (claim("165.00", "100.00", line("125.00", "100.00", "CO-45:25.00"), line("40.00", "0.00", "CO-97:40.00")),
         "partially_paid"),
        # Part of a line cut for a reason that is neither contractual nor the patient's.
        (claim("100.00", "60.00", line("100.00", "60.00", "CO-45:20.00", "CO-151:20.00")), "partially_paid"),
        # A secondary payer: what the primary paid is not a cut.
        (claim("100.00", "20.00", cas=("OA-23:80.00",), status="2"), "paid"),
        (claim("-100.00", "-80.00", cas=("CO-45:-20.00",), status="22"), "reversed"),
    ],
)
def test_claim_outcome(payment, expected):
    assert claim_outcome(payment) == expected


def test_line_denied_only_when_nothing_paid_and_a_denial_reason():
    assert line_is_denied(line("40.00", "0.00", "CO-97:40.00"))
    assert not line_is_denied(line("40.00", "0.00", "PR-1:40.00"))
    assert not line_is_denied(line("40.00", "10.00", "CO-97:30.00"))
