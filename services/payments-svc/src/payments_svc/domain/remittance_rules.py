"""Checks on a posted remittance that involve more than one field.

Field-level checks (formats, code lists, amounts) run in the API schema; these run after it and
report every problem at once, each with a JSON pointer. Messages never repeat submitted values.

A payment that does not balance with its claims is rejected rather than stored: the whole
document is inconsistent, and storing it would claim its (payer, trace number, amount) so that the
corrected remittance could not be posted. A single claim that does not balance is stored and held
instead (see ``balancing``), because the rest of the payment can still be posted.
"""

from __future__ import annotations

from datetime import date

from payments_svc.domain.balancing import payment_balances
from payments_svc.domain.remittance_document import REVERSAL, RemittanceDocument


def cross_field_problems(document: RemittanceDocument, today: date) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []

    def add(pointer: str, message: str) -> None:
        problems.append({"pointer": pointer, "location": "body", "message": message, "code": "invalid"})

    payment = document.payment
    if payment.method == "NON" and payment.amount != 0:
        add("/payment/amount", "must be 0 when the method is NON (no payment)")
    if not payment_balances(document):
        add("/payment/amount", "must equal the sum of the claims' total_paid minus the provider adjustments")
    # No check on payment_date: an EFT's effective date (BPR16) may lie a few days ahead.
    for i, claim in enumerate(document.claims):
        if claim.status_code == REVERSAL and claim.total_charge > 0:
            add(f"/claims/{i}/total_charge", "a reversal (status 22) repeats the claim with negated amounts: must be "
                                             "0 or less")
        if claim.status_code != REVERSAL and claim.total_charge < 0:
            add(f"/claims/{i}/total_charge", "must be 0 or more (only a reversal, status 22, is negative)")
        if claim.adjudicated_on is not None and claim.adjudicated_on > today:
            add(f"/claims/{i}/adjudicated_on", "is in the future")
        for j, line in enumerate(claim.lines):
            if line.service_date is not None and line.service_date > today:
                add(f"/claims/{i}/lines/{j}/service_date", "is in the future")
    return problems
