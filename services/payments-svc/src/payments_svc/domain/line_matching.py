"""Which submitted service line each remittance line answers.

1. By line item control number: the REF*6R we sent on the line, echoed by the payer.
2. Else by procedure and date of service: the code as we submitted it (SVC06 when the payer changed or
   bundled it, else SVC01) on the same date, preferring the same modifiers, then the same charge,
   then the lowest line number. A payer that dropped or changed modifiers still matches.
3. Else the line is unmatched and waits in the unmatched queue.

Each submitted line answers at most one remittance line. Pure functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from openrcm_shared.contracts import SubmittedServiceLine
from payments_svc.domain.remittance_document import ServiceLinePayment

MatchMethod = Literal["line_control_number", "procedure_and_date", "modifiers_changed", "original_procedure",
                      "unmatched"]


@dataclass(frozen=True)
class LineMatch:
    index: int  # position of the remittance line in its claim
    method: MatchMethod
    line_number: int | None = None  # the submitted line (LX of the 837)
    line_control_number: str | None = None  # the REF*6R we sent on it

    @property
    def matched(self) -> bool:
        return self.line_number is not None


def match_lines(lines: Sequence[ServiceLinePayment], submitted: Sequence[SubmittedServiceLine]) -> list[LineMatch]:
    free = {line.line_number: line for line in submitted}
    by_control_number = {line.line_control_number: line for line in submitted}
    found: dict[int, LineMatch] = {}
    for index, line in enumerate(lines):  # 1. the REF*6R we sent
        target = by_control_number.get(line.line_control_number) if line.line_control_number else None
        if target is not None and target.line_number in free:
            del free[target.line_number]
            found[index] = LineMatch(index, "line_control_number", target.line_number, target.line_control_number)
    for index, line in enumerate(lines):  # 2. procedure as submitted, and date
        if index in found:
            continue
        code = line.submitted_procedure_code
        candidates = [
            s for s in free.values()
            if s.procedure_code == code and (line.service_date is None or s.service_date == line.service_date)
        ]
        if not candidates:
            found[index] = LineMatch(index, "unmatched")
            continue
        modifiers = set(line.original_modifiers if line.original_procedure_code else line.modifiers)
        best = min(candidates, key=lambda s: (set(s.modifiers) != modifiers, s.charge != line.charge, s.line_number))
        del free[best.line_number]
        if line.original_procedure_code and line.original_procedure_code != line.procedure_code:
            method: MatchMethod = "original_procedure"
        elif set(best.modifiers) != set(line.modifiers):
            method = "modifiers_changed"
        else:
            method = "procedure_and_date"
        found[index] = LineMatch(index, method, best.line_number, best.line_control_number)
    return [found[index] for index in range(len(lines))]
