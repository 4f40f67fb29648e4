"""Balancing checks of a remittance, as the 835 implementation guide defines them.

* Per claim: charge - (claim-level + line-level adjustments) = paid.
* Per line: charge - line adjustments = paid.
* Per payment: the sum of the claims' payments minus the provider-level adjustments (PLB) is the
  payment amount (BPR02, negative when BPR03 is D, a debit).

A claim that does not balance is stored with its problems and not posted: posting it would push
amounts downstream that do not add up. A payment that does not balance is flagged on its
remittance and not posted without the payment poster's explicit word. ``PaymentTotals`` adds the
claims up one at a time, so a file of 50,000 claims is checked without holding them. Pure code, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from openrcm_shared.contracts import Adjustment
from payments_svc.domain.remittance_document import (
    ClaimPayment, ProviderAdjustment, RemittanceDocument, RemittanceHeader, provider_adjustment_total,
)

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


@dataclass
class PaymentTotals:
    """What a payment's claims and provider adjustments add up to, claim by claim."""

    claims_paid: Decimal = _ZERO
    provider_adjustments: Decimal = _ZERO
    claims: int = 0
    unreadable_claims: int = 0  # claims whose amounts could not be read: the total is unknown

    def add_claim(self, claim: ClaimPayment | None) -> None:
        self.claims += 1
        if claim is None:
            self.unreadable_claims += 1
        else:
            self.claims_paid += claim.total_paid

    def add_provider_adjustments(self, adjustments: Iterable[ProviderAdjustment]) -> None:
        self.provider_adjustments += provider_adjustment_total(adjustments)

    @property
    def net(self) -> Decimal:
        """What the claims and PLB say the payment must be."""
        return self.claims_paid - self.provider_adjustments

    def problem(self, header: RemittanceHeader) -> str | None:
        """Why the payment does not balance, or None when it does."""
        if self.unreadable_claims:
            return (f"{self.unreadable_claims} claim(s) could not be read, so the payment cannot be balanced "
                    "against its claims")
        if self.net != header.signed_amount:
            return (f"the claims' payments {self.claims_paid} minus provider adjustments {self.provider_adjustments} "
                    f"is {self.net}, but the payment (BPR02{', a debit' if header.credit_debit == 'D' else ''}) "
                    f"is {header.signed_amount}")
        return None


def document_totals(document: RemittanceDocument) -> PaymentTotals:
    totals = PaymentTotals()
    for claim in document.claims:
        totals.add_claim(claim)
    totals.add_provider_adjustments(document.provider_adjustments)
    return totals


def payment_balances(document: RemittanceDocument) -> bool:
    return document_totals(document).problem(document) is None
