"""Claim scrubber: rules a claim must pass before it goes to the payer. Pure domain code.

Walking-skeleton scope: charges only. Payer rules, NCCI edits and the fee schedule come later and
add their own rule ids here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class ScrubFinding:
    rule_id: str
    severity: str
    message: str
    fix: str
    line_number: int | None = None


class ChargedLine(Protocol):
    @property
    def line_number(self) -> int: ...
    @property
    def procedure_code(self) -> str: ...
    @property
    def charge(self) -> Decimal | None: ...


def scrub_charges(lines: Iterable[ChargedLine]) -> list[ScrubFinding]:
    """Every line needs a charge (SV102), and it cannot be negative. Zero is allowed: some codes bill at 0.00."""
    findings = []
    for line in lines:
        if line.charge is None:
            findings.append(ScrubFinding(
                rule_id="CHARGE-MISSING", severity="error", line_number=line.line_number,
                message=f"Line {line.line_number} ({line.procedure_code}) has no charge.",
                fix="Send the charge from the EHR (or add the code to the fee schedule), then re-release the encounter.",
            ))
        elif line.charge < 0:
            findings.append(ScrubFinding(
                rule_id="CHARGE-NEGATIVE", severity="error", line_number=line.line_number,
                message=f"Line {line.line_number} ({line.procedure_code}) has a negative charge.",
                fix="Correct the charge in the EHR, then re-release the encounter.",
            ))
    return findings
