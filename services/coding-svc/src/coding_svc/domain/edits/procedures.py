"""Procedure code and modifier edits (family ``proc``).

- ``proc.format``: the code has neither a CPT nor a HCPCS Level II shape, or not the shape of the code
  system the line names;
- ``proc.hcpcs_unknown``: a HCPCS Level II code absent from the loaded HCPCS code set, or not valid on
  the date of service (not yet added, or terminated);
- ``proc.modifier_unknown``: a modifier in neither the modifier catalog nor the loaded HCPCS set, or one
  the HCPCS set shows as not valid on the date of service;
- ``proc.modifier_duplicate``: the same modifier twice on a line;
- ``proc.modifier_count``: more than 4 modifiers on a line (the 837P carries 4);
- ``proc.not_in_catalog`` (warning): a CPT code the tenant's procedure catalog does not list, or lists as
  inactive. CPT itself is licensed, so the tenant's catalog is what says a CPT code is one they bill.

Modifiers that are not two letters or digits are left to ``line.modifier_format`` (the ``line`` family).
Pure domain code, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from coding_svc.domain.codesets.procedures import (
    MAX_MODIFIERS, HcpcsEntry, HcpcsLevel2, ModifierCatalog, ProcedureCatalog, procedure_format_problem,
)
from coding_svc.domain.edits.findings import CodesUnderEdit, Finding, Severity
from coding_svc.domain.encounter import ProcedureLine
from openrcm_shared.identifiers import modifier_format_is_valid


def _validity_problem(entry: HcpcsEntry, day: date) -> str | None:
    if entry.valid_on(day):
        return None
    if entry.terminated is not None and day > entry.terminated:
        return f"was terminated on {entry.terminated.isoformat()}"
    starts = entry.added or entry.action_effective
    return f"only takes effect on {starts.isoformat()}" if starts else "is not valid on that date"


class ProcedureEdits:
    family = "proc"

    def __init__(
        self, *, hcpcs: HcpcsLevel2 | None = None, catalog: ProcedureCatalog | None = None,
        modifiers: ModifierCatalog | None = None,
    ) -> None:
        self.hcpcs = hcpcs
        self.catalog = catalog
        self.modifiers = modifiers or ModifierCatalog.builtin()

    def check(self, codes: CodesUnderEdit) -> Iterator[Finding]:
        for number, line in enumerate(codes.lines, start=1):
            problem = procedure_format_problem(line.procedure_code, line.code_system)
            if problem is not None:
                yield Finding(
                    "proc.format", Severity.ERROR, f"Line {number}: {problem}.",
                    "Enter the CPT code (e.g. 99213, 0001F, 0042T, 0001U) or HCPCS Level II code (e.g. J1100) and "
                    "its matching code system.",
                    lines=(number,),
                )
            else:
                yield from self._code_findings(number, line)
            yield from self._modifier_findings(number, line)

    def _code_findings(self, number: int, line: ProcedureLine) -> Iterator[Finding]:
        code, day = line.procedure_code, line.service_date
        if line.code_system == "HCPCS" and self.hcpcs is not None:
            entry = self.hcpcs.code(code)
            problem = "is not in the HCPCS Level II code set" if entry is None else _validity_problem(entry, day)
            if problem is not None:
                yield Finding(
                    "proc.hcpcs_unknown", Severity.ERROR,
                    f"Line {number}: HCPCS code {code} {problem} (date of service {day.isoformat()}).",
                    "Use the HCPCS Level II code valid on the date of service; check the code for typos or its "
                    "replacement in the current HCPCS update.",
                    lines=(number,),
                )
        if line.code_system == "CPT" and self.catalog is not None:
            entry = self.catalog.entry(code, line.modifiers)
            if entry is None or not entry.active:
                state = "does not list" if entry is None else "lists as inactive"
                yield Finding(
                    "proc.not_in_catalog", Severity.WARNING,
                    f"Line {number}: the practice's procedure catalog {state} CPT code {code}.",
                    "Check the code against the documentation; if it is right, ask the practice to add or reactivate "
                    "it in their procedure catalog (it sets the charge).",
                    lines=(number,),
                )

    def _modifier_findings(self, number: int, line: ProcedureLine) -> Iterator[Finding]:
        modifiers = line.modifiers
        if len(modifiers) > MAX_MODIFIERS:
            yield Finding(
                "proc.modifier_count", Severity.ERROR,
                f"Line {number} ({line.procedure_code}) has {len(modifiers)} modifiers; a claim line carries at most "
                f"{MAX_MODIFIERS}.",
                f"Keep the {MAX_MODIFIERS} modifiers that affect payment first (e.g. 26/TC, 25, 59/X, LT/RT); if more "
                "are needed, the payer's instructions may call for modifier 99 or a second line.",
                lines=(number,),
            )
        repeated = sorted({m for m in modifiers if modifiers.count(m) > 1})
        if repeated:
            yield Finding(
                "proc.modifier_duplicate", Severity.ERROR,
                f"Line {number} ({line.procedure_code}) repeats modifier {', '.join(repeated)}.",
                "Report each modifier once on a line.",
                lines=(number,),
            )
        for modifier in dict.fromkeys(modifiers):
            if not modifier_format_is_valid(modifier):
                continue  # reported by the line family (line.modifier_format)
            problem = self._modifier_problem(modifier, line.service_date)
            if problem is not None:
                yield Finding(
                    "proc.modifier_unknown", Severity.ERROR,
                    f"Line {number} ({line.procedure_code}): modifier {modifier} {problem}.",
                    "Correct the modifier (check for a typo) or remove it.",
                    lines=(number,),
                )

    def _modifier_problem(self, modifier: str, day: date) -> str | None:
        dated = self.hcpcs.modifier(modifier) if self.hcpcs is not None else None
        if dated is not None:  # the loaded HCPCS file's dates are the authority for Level II modifiers
            return _validity_problem(dated, day)
        if modifier in self.modifiers:
            return None
        return "is not a CPT or HCPCS Level II modifier"
