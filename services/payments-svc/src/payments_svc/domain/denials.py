"""Finding the denials in a payer's answer and saying whose problem each one is.

One denial per denied claim (claim level) or, when the claim as a whole was not denied, one per
denied line (nothing paid on it and a denying adjustment). A denial with several denying
adjustments is routed by the largest one: that is where most of the money is. Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from openrcm_shared.contracts import Adjustment
from openrcm_shared.contracts.events import DenialCategory, Department, RecommendedAction
from payments_svc.domain.adjudication import Outcome, line_is_denied
from payments_svc.domain.carc_catalog import ClassifiedAdjustment, denying_adjustments
from payments_svc.domain.remittance_document import ClaimPayment

DenialLevel = Literal["claim", "line"]


@dataclass(frozen=True)
class DenialFinding:
    level: DenialLevel
    line_control_number: str | None
    procedure_code: str | None
    adjustments: tuple[Adjustment, ...]
    remark_codes: tuple[str, ...]
    denied_amount: Decimal
    category: DenialCategory
    owning_department: Department
    recommended_action: RecommendedAction
    explanation: str


def find_denials(claim: ClaimPayment, outcome: Outcome) -> list[DenialFinding]:
    if outcome == "reversed":
        return []  # a reversal takes money back; it says nothing new about the service
    if outcome == "denied":
        denying = denying_adjustments(claim.all_adjustments)
        # A CLP02 4 without any denying CAS leaves nothing to route; the RemitReceived still says "denied".
        if not denying:
            return []
        return [_finding("claim", None, None, denying, claim.all_remark_codes)]
    return [
        _finding("line", line.line_control_number, line.procedure_code, denying_adjustments(line.adjustments),
                 tuple(dict.fromkeys(line.remark_codes + claim.remark_codes)))
        for line in claim.lines
        if line_is_denied(line)
    ]


def _finding(
    level: DenialLevel, line_control_number: str | None, procedure_code: str | None,
    denying: list[ClassifiedAdjustment], remark_codes: tuple[str, ...],
) -> DenialFinding:
    main = max(denying, key=lambda c: c.adjustment.amount)  # max keeps the first of equals
    denied_amount = sum((c.adjustment.amount for c in denying), Decimal("0.00"))
    return DenialFinding(
        level=level,
        line_control_number=line_control_number,
        procedure_code=procedure_code,
        adjustments=tuple(c.adjustment for c in denying),
        remark_codes=remark_codes,
        denied_amount=denied_amount,
        category=main.category,
        owning_department=main.department,
        recommended_action=main.action,
        explanation=explain(level, procedure_code, denied_amount, denying, main, remark_codes),
    )


def explain(
    level: DenialLevel, procedure_code: str | None, denied_amount: Decimal, denying: list[ClassifiedAdjustment],
    main: ClassifiedAdjustment, remark_codes: tuple[str, ...],
) -> str:
    """Plain English, codes and amounts only (never patient data)."""
    what = f"the service line {procedure_code}" if level == "line" and procedure_code else f"the {level}"
    parts = [f"The payer denied {denied_amount} on {what}: {main.label}, {main.description}."]
    others = [c for c in denying if c is not main]
    if others:
        parts.append("Also: " + "; ".join(f"{c.label}, {c.description}" for c in others) + ".")
    parts.append(f"Owner: {main.department.value}. Next step: {main.guidance}")
    if remark_codes:
        parts.append(f"Remark codes: {', '.join(remark_codes)}.")
    return " ".join(parts)
