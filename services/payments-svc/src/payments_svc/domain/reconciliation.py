"""Reconciling payments with what was posted and with the bank, and denial rates. Pure functions.

A payment (BPR/TRN: check or EFT trace number, amount, date) reconciles when what it paid equals the
claim payments posted from it, plus the claim payments it holds (unmatched or out-of-balance claims:
money received, not yet posted), minus its provider-level adjustments (PLB). A payment is matched to
a bank deposit of the same amount; until then it is listed as unreconciled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from openrcm_shared.contracts import Adjustment
from payments_svc.domain.remittance import RemittanceSummary

_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PaymentReconciliation:
    remittance_id: uuid.UUID
    payer_id: str
    trace_number: str
    method: str
    payment_date: date | None
    amount: Decimal  # signed: negative for a debit
    posted_claims_paid: Decimal
    held_claims_paid: Decimal
    provider_adjustments: Decimal
    difference: Decimal  # amount - (posted + held - PLB); 0 when the payment reconciles with its claims
    deposit_reference: str | None

    @property
    def reconciled(self) -> bool:
        return self.deposit_reference is not None


def reconcile(summary: RemittanceSummary, posted_claims_paid: Decimal) -> PaymentReconciliation:
    held = summary.claims_paid_total - posted_claims_paid
    signed_amount = summary.signed_amount
    return PaymentReconciliation(
        remittance_id=summary.id, payer_id=summary.payer.payer_id, trace_number=summary.payment.trace_number,
        method=summary.payment.method, payment_date=summary.payment.payment_date, amount=signed_amount,
        posted_claims_paid=posted_claims_paid, held_claims_paid=held,
        provider_adjustments=summary.provider_adjustment_total,
        difference=signed_amount - (posted_claims_paid + held - summary.provider_adjustment_total),
        deposit_reference=summary.deposit.reference if summary.deposit else None,
    )


def deposit_problems(summary: RemittanceSummary, deposit_amount: Decimal) -> list[str]:
    problems = []
    if summary.status.value != "posted":
        problems.append("the payment is not posted yet")
    if summary.deposit is not None:
        problems.append("the payment is already matched to a deposit")
    if deposit_amount != summary.signed_amount:
        problems.append("the deposit amount differs from the payment amount")
    return problems


# ---------------------------------------------------------------- denial rates
Dimension = Literal["payer", "carc", "category", "department"]


@dataclass(frozen=True)
class DenialRecord:
    remit_claim_id: uuid.UUID
    payer_id: str
    category: str
    department: str
    denied_amount: Decimal
    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True)
class DenialRate:
    key: str
    claims: int  # posted claims in the period (of the payer, for the payer dimension)
    denied_claims: int  # of them, claims with at least one denial of this key
    denials: int
    denied_amount: Decimal

    @property
    def rate(self) -> Decimal:
        return (Decimal(self.denied_claims) / self.claims).quantize(Decimal("0.0001")) if self.claims else _ZERO


def denial_rates(
    dimension: Dimension, posted_claims_by_payer: Mapping[str, int], records: Iterable[DenialRecord]
) -> list[DenialRate]:
    """One row per payer, CARC (``CO-50``), category or department, most denied claims first."""
    total = sum(posted_claims_by_payer.values())
    claims: dict[str, set[uuid.UUID]] = {}
    counts: dict[str, int] = {}
    amounts: dict[str, Decimal] = {}
    for record in records:
        if dimension == "carc":
            parts = [(f"{a.group.value}-{a.reason_code}", a.amount) for a in record.adjustments]
        else:
            key = {"payer": record.payer_id, "category": record.category, "department": record.department}[dimension]
            parts = [(key, record.denied_amount)]
        for key, amount in parts:
            claims.setdefault(key, set()).add(record.remit_claim_id)
            counts[key] = counts.get(key, 0) + 1
            amounts[key] = amounts.get(key, _ZERO) + amount
    keys = set(claims) | (set(posted_claims_by_payer) if dimension == "payer" else set())
    rows = [
        DenialRate(key=key, claims=posted_claims_by_payer.get(key, 0) if dimension == "payer" else total,
                   denied_claims=len(claims.get(key, ())), denials=counts.get(key, 0),
                   denied_amount=amounts.get(key, _ZERO))
        for key in keys
    ]
    return sorted(rows, key=lambda r: (-r.denied_claims, -r.denied_amount, r.key))
