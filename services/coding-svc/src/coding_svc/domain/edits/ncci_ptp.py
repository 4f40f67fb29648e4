"""NCCI procedure-to-procedure (PTP) edits: code pairs one practitioner should not bill together on one
date of service.

Each edit names a column 1 code (paid) and a column 2 code (denied when both are billed for the same
patient on the same day), the dates it is in effect and a modifier indicator:

- 0: never billed together; no modifier bypasses the edit (finding ``ncci.ptp.not_bypassable``);
- 1: a clinically appropriate NCCI PTP-associated modifier bypasses it (finding ``ncci.ptp``);
- 9: not applicable, the edit was deleted (no finding).

Which modifiers bypass an indicator-1 edit here (our reading of the NCCI Policy Manual, ch. I; a payer's
claim system may be laxer, a coder should not be):

- 59, XE, XS, XP, XU on either line of the pair, unless that line is an E/M (NCCI: they are not for E/M
  services; the E/M side of a pair is bypassed with 25);
- 24, 25 or 57 on the E/M line (99202-99499) when the pair is an E/M and a non-E/M service; they never
  bypass an E/M-E/M pair, and on a non-E/M line they mean nothing to the edit;
- 58, 78 or 79 on either line when neither is an E/M (a procedure in another one's global period);
- 91 on either line (a repeated clinical lab test);
- anatomic modifiers (E1-E4, FA, F1-F9, TA, T1-T9, LT, RT, LC, LD, RC, LM, RI) only when *both* lines carry
  them and no site is shared (RT on one, LT on the other): the same site on both lines, or a site on only
  one line, does not show two distinct services;
- 27 is an outpatient hospital modifier and does not bypass practitioner edits.

An edit applies when the line's date of service is within effective date .. deletion date (both
inclusive: CMS deletion dates are the last day an edit is in effect). Pure domain code, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from itertools import combinations
from types import MappingProxyType

from coding_svc.domain.codesets.procedures import ModifierCatalog, NcciRole, is_evaluation_and_management
from coding_svc.domain.edits.findings import CodesUnderEdit, Finding, Severity
from coding_svc.domain.encounter import ProcedureLine


class ModifierIndicator(IntEnum):
    NOT_ALLOWED = 0
    ALLOWED = 1
    NOT_APPLICABLE = 9


@dataclass(frozen=True, slots=True)
class PtpEdit:
    column1: str
    column2: str
    effective: date
    deleted: date | None
    modifier_indicator: ModifierIndicator
    rationale: str = ""

    def in_effect_on(self, day: date) -> bool:
        return self.effective <= day and (self.deleted is None or day <= self.deleted)


class NcciPtpTable:
    """Immutable PTP edits with O(1) lookup by (column 1, column 2). A pair may have several edits over
    time (deleted, then added again); ``edit_for`` picks the one in effect on a day."""

    def __init__(self, edits: Iterable[PtpEdit]) -> None:
        # Most pairs have one edit: it is stored bare, a tuple only for pairs with several (memory: a CMS
        # release has over a million rows).
        by_pair: dict[tuple[str, str], PtpEdit | tuple[PtpEdit, ...]] = {}
        count = 0
        for edit in edits:
            key = (edit.column1, edit.column2)
            known = by_pair.get(key)
            by_pair[key] = edit if known is None else (*(known if isinstance(known, tuple) else (known,)), edit)
            count += 1
        self._by_pair: Mapping[tuple[str, str], PtpEdit | tuple[PtpEdit, ...]] = MappingProxyType(by_pair)
        self._count = count

    def __len__(self) -> int:
        return self._count

    def edits(self, column1: str, column2: str) -> tuple[PtpEdit, ...]:
        found = self._by_pair.get((column1, column2), ())
        return found if isinstance(found, tuple) else (found,)

    def edit_for(self, column1: str, column2: str, day: date) -> PtpEdit | None:
        for edit in self.edits(column1, column2):
            if edit.in_effect_on(day):
                return edit
        return None


_EM_LINE_BYPASS = frozenset({NcciRole.EVALUATION})
_EITHER_LINE_BYPASS = frozenset({NcciRole.DISTINCT, NcciRole.REPEAT_TEST})


def bypassing_modifiers(first: ProcedureLine, second: ProcedureLine, catalog: ModifierCatalog) -> tuple[str, ...]:
    """The modifiers on the pair that bypass an indicator-1 edit between the two lines (module docstring)."""
    found: list[str] = []
    first_em = is_evaluation_and_management(first.procedure_code)
    second_em = is_evaluation_and_management(second.procedure_code)
    for line, is_em in ((first, first_em), (second, second_em)):
        for modifier in line.modifiers:
            role = catalog.ncci_role(modifier)
            if role in _EITHER_LINE_BYPASS and not is_em:
                found.append(modifier)
            elif role in _EM_LINE_BYPASS and is_em and first_em != second_em:
                found.append(modifier)
            elif role == NcciRole.GLOBAL_SURGERY and not (first_em or second_em):
                found.append(modifier)
    sites = [{m for m in line.modifiers if catalog.ncci_role(m) == NcciRole.ANATOMIC} for line in (first, second)]
    if sites[0] and sites[1] and not sites[0] & sites[1]:
        found.extend(sorted(sites[0] | sites[1]))
    return tuple(found)


class NcciPtpEdits:
    family = "ncci"

    def __init__(self, table: NcciPtpTable, modifiers: ModifierCatalog | None = None) -> None:
        self.table = table
        self.modifiers = modifiers or ModifierCatalog.builtin()

    def check(self, codes: CodesUnderEdit) -> Iterator[Finding]:
        numbered = list(enumerate(codes.lines, start=1))
        for (n1, a), (n2, b) in combinations(numbered, 2):
            if a.service_date != b.service_date or a.procedure_code == b.procedure_code:
                continue
            day = a.service_date
            for (col1_no, col1), (col2_no, col2) in (((n1, a), (n2, b)), ((n2, b), (n1, a))):
                edit = self.table.edit_for(col1.procedure_code, col2.procedure_code, day)
                if edit is None or edit.modifier_indicator == ModifierIndicator.NOT_APPLICABLE:
                    continue
                finding = self._finding(edit, col1_no, col1, col2_no, col2)
                if finding is not None:
                    yield finding

    def _finding(
        self, edit: PtpEdit, col1_no: int, col1: ProcedureLine, col2_no: int, col2: ProcedureLine,
    ) -> Finding | None:
        c1, c2 = col1.procedure_code, col2.procedure_code
        lines = tuple(sorted((col1_no, col2_no)))
        why = f" ({edit.rationale})" if edit.rationale else ""
        pair = (
            f"Lines {lines[0]} and {lines[1]} on {col1.service_date.isoformat()}: {c2} (line {col2_no}) is column 2 "
            f"to {c1} (line {col1_no}) in an NCCI procedure-to-procedure edit{why}; {c2} is normally denied when "
            f"both are billed the same day."
        )
        if edit.modifier_indicator == ModifierIndicator.NOT_ALLOWED:
            return Finding(
                "ncci.ptp.not_bypassable", Severity.ERROR,
                f"{pair} The edit's modifier indicator is 0: no modifier allows both to be paid.",
                f"Remove {c2} from line {col2_no}; a modifier will not make it payable with {c1}.",
                lines=lines,
            )
        if bypassing_modifiers(col1, col2, self.modifiers):
            return None
        return Finding("ncci.ptp", Severity.ERROR, pair, self._fix(c1, col1_no, c2, col2_no), lines=lines)

    @staticmethod
    def _fix(c1: str, col1_no: int, c2: str, col2_no: int) -> str:
        remove = f"Remove {c2} from line {col2_no}"
        if is_evaluation_and_management(c1) and is_evaluation_and_management(c2):
            return f"{remove} and report the day's E/M work with one code ({c1} or a level that covers both)."
        if is_evaluation_and_management(c2):
            return (
                f"{remove}, or, only if the documentation shows a significant, separately identifiable E/M service "
                f"beyond the usual care for {c1}, append modifier 25 to line {col2_no}."
            )
        if is_evaluation_and_management(c1):
            return (
                f"{remove}, or, only if the documentation shows a significant, separately identifiable E/M service, "
                f"append modifier 25 to line {col1_no}."
            )
        return (
            f"{remove}, or, only if the documentation supports a distinct service, append 59 or the more specific "
            f"XE (separate encounter), XS (separate structure), XP (separate practitioner) or XU (unusual "
            f"non-overlapping service) to line {col2_no}; for different sites use the anatomic modifiers (e.g. RT "
            f"and LT) on both lines."
        )
