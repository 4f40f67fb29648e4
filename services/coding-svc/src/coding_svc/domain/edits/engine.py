"""Runs the edit families over a code set and orders what they found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coding_svc.domain.edits.findings import CodesUnderEdit, EditFamily, Finding, Severity


@dataclass(frozen=True)
class EditReport:
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == Severity.WARNING)

    @property
    def clean(self) -> bool:
        """No finding blocks release (warnings may remain)."""
        return not self.errors


class EditEngine:
    """The families a tenant's codes are checked against, in the order they report."""

    def __init__(self, families: Sequence[EditFamily]) -> None:
        self.families = tuple(families)

    def run(self, codes: CodesUnderEdit) -> EditReport:
        findings = [finding for family in self.families for finding in family.check(codes)]
        # Errors first, then by the first line or diagnosis they point at, so a coder works top-down.
        findings.sort(key=lambda f: (f.severity != Severity.ERROR, f.lines[:1] or (0,), f.edit_id))
        return EditReport(tuple(findings))
