"""Coding accuracy: a coder's released codes compared with an auditor's blind coding of the same
encounter, and the per-coder figures a coding-quality report shows.

The auditor's codes are the reference. Code-level figures count codes (diagnosis codes and line
procedure codes): precision = codes both chose / codes the coder chose; recall = codes both chose /
codes the auditor chose. Errors are counted by type:

- ``wrong_code``: the coder chose a different code where the auditor had one: a diagnosis of the same
  ICD-10-CM category (first three characters), or a line where the auditor's line carries another code.
  Counted once, not as one extra plus one missing.
- ``missing``: the auditor coded it, the coder did not.  ``extra``: the coder coded it, the auditor did not.
- On lines both coded with the same procedure code: ``wrong_modifier`` (different modifier sets),
  ``wrong_units``, ``wrong_pointer`` (the line points to other diagnoses). Pointers are compared as the
  diagnoses they point to, not positions, so reordering the diagnosis list is not an error; a
  diagnosis coded as the wrong code counts as its auditor counterpart, and diagnoses only one side
  coded are left out (already counted as missing or extra), so one mistake is counted once.

Pure domain code: no I/O.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from coding_svc.domain.encounter import CodeSet, ProcedureLine


class CodingError(StrEnum):
    WRONG_CODE = "wrong_code"
    MISSING = "missing"
    EXTRA = "extra"
    WRONG_MODIFIER = "wrong_modifier"
    WRONG_UNITS = "wrong_units"
    WRONG_POINTER = "wrong_pointer"


def pointed_codes(codes: CodeSet, line: ProcedureLine) -> frozenset[str]:
    """The diagnosis codes a line points to (pointers are 1-based positions in the diagnosis list)."""
    return frozenset(codes.diagnoses[p - 1] for p in line.diagnosis_pointers if 1 <= p <= len(codes.diagnoses))


@dataclass(frozen=True)
class Discrepancy:
    error: CodingError
    coder_code: str | None
    auditor_code: str | None
    detail: str = ""


@dataclass(frozen=True)
class Comparison:
    """The outcome of one audited encounter."""

    matched_codes: int
    coder_codes: int
    auditor_codes: int
    discrepancies: tuple[Discrepancy, ...]

    @property
    def is_exact(self) -> bool:
        return not self.discrepancies

    def error_counts(self) -> Counter[CodingError]:
        return Counter(d.error for d in self.discrepancies)


def _category(code: str) -> str:
    return code.replace(".", "")[:3].upper()


def compare(coder: CodeSet, auditor: CodeSet) -> Comparison:
    discrepancies: list[Discrepancy] = []
    counterpart = _compare_diagnoses(coder.diagnoses, auditor.diagnoses, discrepancies)
    dx_matched = sum(1 for ours, theirs in counterpart if ours == theirs)
    line_matched = _compare_lines(coder, auditor, dict(counterpart), discrepancies)
    return Comparison(
        matched_codes=dx_matched + line_matched,
        coder_codes=len(coder.diagnoses) + len(coder.lines),
        auditor_codes=len(auditor.diagnoses) + len(auditor.lines),
        discrepancies=tuple(discrepancies),
    )


def _compare_diagnoses(
    coder: Sequence[str], auditor: Sequence[str], out: list[Discrepancy]
) -> list[tuple[str, str]]:
    """Records diagnosis discrepancies; returns (coder code, auditor counterpart) pairs: the same code,
    or a wrong code of the same category."""
    coder_left, auditor_left = Counter(coder), Counter(auditor)
    matched = coder_left & auditor_left
    coder_left -= matched
    auditor_left -= matched
    pairs = [(code, code) for code in matched.elements()]
    extra = list(coder_left.elements())
    missing = list(auditor_left.elements())
    for code in list(extra):
        same_category = next((m for m in missing if _category(m) == _category(code)), None)
        if same_category is not None:
            out.append(Discrepancy(CodingError.WRONG_CODE, code, same_category, "diagnosis"))
            pairs.append((code, same_category))
            extra.remove(code)
            missing.remove(same_category)
    out.extend(Discrepancy(CodingError.EXTRA, code, None, "diagnosis") for code in extra)
    out.extend(Discrepancy(CodingError.MISSING, None, code, "diagnosis") for code in missing)
    return pairs


def _compare_lines(
    coder: CodeSet, auditor: CodeSet, counterpart: dict[str, str], out: list[Discrepancy]
) -> int:
    coder_left, auditor_left = list(coder.lines), list(auditor.lines)
    both_coded = set(counterpart.values())
    matched = 0
    for theirs in list(auditor_left):
        ours = next((line for line in coder_left if line.procedure_code == theirs.procedure_code), None)
        if ours is None:
            continue
        matched += 1
        coder_left.remove(ours)
        auditor_left.remove(theirs)
        code = theirs.procedure_code
        if set(ours.modifiers) != set(theirs.modifiers):
            out.append(Discrepancy(CodingError.WRONG_MODIFIER, code, code,
                                   f"modifiers {_listed(ours.modifiers)} instead of {_listed(theirs.modifiers)}"))
        if Decimal(ours.units) != Decimal(theirs.units):
            out.append(Discrepancy(CodingError.WRONG_UNITS, code, code, f"{ours.units} units instead of {theirs.units}"))
        our_pointed = {counterpart[c] for c in pointed_codes(coder, ours) if c in counterpart}
        their_pointed = pointed_codes(auditor, theirs) & both_coded
        if our_pointed != their_pointed:
            out.append(Discrepancy(CodingError.WRONG_POINTER, code, code,
                                   f"points to {_listed(sorted(our_pointed))} instead of {_listed(sorted(their_pointed))}"))
    # Lines left on both sides in the same date order are the same service coded differently.
    coder_left.sort(key=lambda line: line.service_date)
    auditor_left.sort(key=lambda line: line.service_date)
    for ours, theirs in zip(coder_left, auditor_left):
        out.append(Discrepancy(CodingError.WRONG_CODE, ours.procedure_code, theirs.procedure_code, "procedure"))
    out.extend(Discrepancy(CodingError.EXTRA, line.procedure_code, None, "procedure")
               for line in coder_left[len(auditor_left):])
    out.extend(Discrepancy(CodingError.MISSING, None, line.procedure_code, "procedure")
               for line in auditor_left[len(coder_left):])
    return matched


def _listed(values: Iterable[str]) -> str:
    return ", ".join(values) or "none"


@dataclass
class CoderQuality:
    """Accuracy and productivity figures of one coder over a period."""

    coder: str
    encounters_released: int = 0
    seconds_worked: float = 0.0
    encounters_audited: int = 0
    encounters_exact: int = 0
    matched_codes: int = 0
    coder_codes: int = 0
    auditor_codes: int = 0
    errors: Counter[CodingError] = field(default_factory=Counter)

    def add_release(self, seconds_worked: float) -> None:
        self.encounters_released += 1
        self.seconds_worked += max(seconds_worked, 0.0)

    def add_audit(self, comparison: Comparison) -> None:
        self.encounters_audited += 1
        self.encounters_exact += comparison.is_exact
        self.matched_codes += comparison.matched_codes
        self.coder_codes += comparison.coder_codes
        self.auditor_codes += comparison.auditor_codes
        self.errors.update(comparison.error_counts())

    @property
    def precision(self) -> Decimal | None:
        return _ratio(self.matched_codes, self.coder_codes)

    @property
    def recall(self) -> Decimal | None:
        return _ratio(self.matched_codes, self.auditor_codes)

    @property
    def hours_worked(self) -> Decimal:
        return (Decimal(str(self.seconds_worked)) / 3600).quantize(Decimal("0.01"))

    @property
    def encounters_per_hour(self) -> Decimal | None:
        if self.seconds_worked <= 0:
            return None
        return (Decimal(self.encounters_released) * 3600 / Decimal(str(self.seconds_worked))).quantize(Decimal("0.01"))


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"))


def selected_for_audit(tenant_id: str, encounter_id: str, revision: int, percent: Decimal) -> bool:
    """Whether a release goes to the audit sample: a uniform draw from a hash of the release, so each
    release has ``percent`` chance and asking again (a retried transaction) gives the same answer."""
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{tenant_id}:{encounter_id}:{revision}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") % 10_000  # 0.01 % steps
    return draw < percent * 100
