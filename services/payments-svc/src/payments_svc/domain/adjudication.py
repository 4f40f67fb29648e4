"""What the payer decided on a claim: its outcome and the patient's share. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

from openrcm_shared.contracts import Adjustment, PatientResponsibility
from openrcm_shared.contracts.events import AdjustmentGroup
from payments_svc.domain.carc_catalog import denying_adjustments, non_denial_total
from payments_svc.domain.remittance_document import DENIED, REVERSAL, ClaimPayment, ServiceLinePayment

Outcome = Literal["paid", "partially_paid", "denied", "reversed"]

_ZERO = Decimal("0.00")
#: PR reason codes with a bucket of their own; any other PR code is "other".
_PATIENT_SHARE_BUCKETS = {"1": "deductible", "2": "coinsurance", "3": "copay"}


def patient_responsibility(adjustments: Iterable[Adjustment]) -> PatientResponsibility:
    """Split the PR-group adjustments: PR-1 deductible, PR-2 coinsurance, PR-3 copay, any other PR other."""
    shares = {"deductible": _ZERO, "coinsurance": _ZERO, "copay": _ZERO, "other": _ZERO}
    for adjustment in adjustments:
        if adjustment.group == AdjustmentGroup.PATIENT_RESPONSIBILITY:
            bucket = _PATIENT_SHARE_BUCKETS.get(adjustment.reason_code, "other")
            shares[bucket] += adjustment.amount
    return PatientResponsibility(**shares)


def line_is_denied(line: ServiceLinePayment) -> bool:
    """Nothing paid on the line and at least one adjustment that denies it."""
    return line.paid == 0 and bool(denying_adjustments(line.adjustments))


def claim_outcome(claim: ClaimPayment) -> Outcome:
    """
    * reversed: CLP02 22, the payer takes back an earlier payment.
    * denied: CLP02 4, or nothing paid and some adjustment (claim or line) denies payment.
    * partially_paid: a line is denied, or the payer paid less than the charge minus what it is
      entitled to take off (contractual write-offs, the patient's share, a prior payer's payment).
    * paid: otherwise, including a claim applied wholly to the deductible (paid 0, PR-1 only).
    """
    if claim.status_code == REVERSAL:
        return "reversed"
    if claim.status_code == DENIED:
        return "denied"
    if claim.total_paid == 0 and denying_adjustments(claim.all_adjustments):
        return "denied"
    expected_payment = claim.total_charge - non_denial_total(claim.all_adjustments)
    if any(line_is_denied(line) for line in claim.lines) or claim.total_paid < expected_payment:
        return "partially_paid"
    return "paid"
