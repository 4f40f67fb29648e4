"""Balancing checks of a remittance, as the 835 implementation guide defines them.

* Per claim: charge - (claim-level + line-level adjustments) = paid.
* Per line: charge - line adjustments = paid.
* Per payment: the claims' payments add up to the payment amount (no provider-level
  adjustments (PLB) yet, so nothing else moves the total).

A claim that does not balance is stored with its problems and not posted: posting it would push
amounts downstream that do not add up. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from openrcm_shared.contracts import Adjustment
from payments_svc.domain.remittance_document import ClaimPayment, RemittanceDocument

_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class BalanceProblem:
    """Where in the claim (a JSON pointer relative to it, "" for the claim itself) and what is off."""

    pointer: str
    message: str


def _total(adjustments: Iterable[Adjustment]) -> Decimal:
    return sum((a.amount for a in adjustments), _ZERO)


def claim_balance_problems(claim: ClaimPayment) -> list[BalanceProblem]:
    problems: list[BalanceProblem] = []
    adjusted = _total(claim.all_adjustments)
    if claim.total_charge - adjusted != claim.total_paid:
        problems.append(BalanceProblem(
            "",
            f"charge {claim.total_charge} minus adjustments {adjusted} is {claim.total_charge - adjusted}, "
            f"but the payer paid {claim.total_paid}",
        ))
    for index, line in enumerate(claim.lines):
        line_adjusted = _total(line.adjustments)
        if line.charge - line_adjusted != line.paid:
            problems.append(BalanceProblem(
                f"/lines/{index}",
                f"line charge {line.charge} minus adjustments {line_adjusted} is {line.charge - line_adjusted}, "
                f"but the payer paid {line.paid}",
            ))
    return problems


def claims_paid_total(document: RemittanceDocument) -> Decimal:
    return sum((c.total_paid for c in document.claims), _ZERO)


def payment_balances(document: RemittanceDocument) -> bool:
    return claims_paid_total(document) == document.payment.amount
