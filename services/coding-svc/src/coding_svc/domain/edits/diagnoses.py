"""Diagnosis edits (family ``dx``): is each ICD-10-CM code valid and billable, may the codes stand
together, and may the first one be first-listed.

| edit id | when | severity |
|---|---|---|
| ``dx.unknown`` | not an ICD-10-CM FY2026 code (bad shape, mistyped, deleted) | error |
| ``dx.not_billable`` | a category or subcategory header (``E11``, ``E11.6``) | error |
| ``dx.seventh_character`` | 7th character missing or not allowed, or placeholder ``X`` missing | error |
| ``dx.excludes1`` | an Excludes1 note forbids the two codes together (``E10.9`` + ``E11.9``) | error |
| ``dx.manifestation_first`` | first-listed code is a manifestation ("in diseases classified elsewhere") | error |
| ``dx.manifestation_first`` | first-listed code has a "Code first the underlying ..." instruction | warning |
| ``dx.duplicate`` | the same code listed twice | error |

Judgement calls:
- A "Code first underlying ..." code that is not a manifestation is only a *warning* when first-listed:
  the instruction binds when the underlying condition is documented, and some such codes are rightly
  first-listed when none is (``N48.30`` priapism, unspecified). Manifestation codes never may
  (guideline I.A.13; the Medicare Code Editor's manifestation edit): error.
- Excludes1 stays an *error* although the guidelines allow both codes when the provider documents the
  two conditions as unrelated (I.A.12.a): that exception is rare and must be documented, so the message
  says so and the coder resolves it.
- A duplicate is an *error*: it adds nothing, payers' front-end edits reject repeated diagnosis codes,
  and the fix is trivial.
- Codes that are unknown or malformed are reported once and left out of the pair and order checks.

Pure domain code: no I/O. Findings name codes with their dot; ``diagnoses`` holds the codes exactly as
listed on the encounter, ``lines`` the service lines whose pointers point at them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from coding_svc.domain.codesets.icd10cm import (
    CodeInfo, CodeStatus, ICD10CMCodeSet, NoteKind, Sequencing, Validation, display,
)
from coding_svc.domain.edits.findings import CodesUnderEdit, Finding, Severity
from openrcm_shared.identifiers import icd10_format_is_valid

_CODE_FIRST_LINES_SHOWN = 4


def _named(info: CodeInfo) -> str:
    return f"{info.code} ({info.description})"


def _instruction(lines: Sequence[str]) -> str:
    """A "Code first" note's lines as one sentence: "underlying disease, such as: amyloidosis (E85.-); ..."."""
    shown = list(lines[:_CODE_FIRST_LINES_SHOWN]) + (["..."] if len(lines) > _CODE_FIRST_LINES_SHOWN else [])
    if not shown:
        return ""
    head, rest = shown[0], "; ".join(shown[1:])
    return f"{head} {rest}" if head.endswith(":") else "; ".join(shown)


def _listing(infos: Sequence[CodeInfo]) -> str:
    names = [_named(i) for i in infos]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


class DiagnosisEdits:
    """The ``dx`` edits, bound to one ICD-10-CM code set."""

    family = "dx"

    def __init__(self, code_set: ICD10CMCodeSet) -> None:
        self.code_set = code_set

    def check(self, codes: CodesUnderEdit) -> Iterator[Finding]:
        verdicts = [self.code_set.validate(code) for code in codes.diagnoses]
        for position, (code, verdict) in enumerate(zip(codes.diagnoses, verdicts), start=1):
            finding = self._check_code(code, verdict)
            if finding is not None:
                yield self._located(finding, codes, code, (position,))
        yield from self._duplicates(codes, verdicts)
        yield from self._excludes1(codes, verdicts)
        if verdicts and verdicts[0].base is not None and verdicts[0].status != CodeStatus.SEVENTH_INVALID:
            finding = self._first_listed(verdicts[0])
            if finding is not None:
                yield self._located(finding, codes, codes.diagnoses[0], (1,))

    # -- one code ---------------------------------------------------------------------------------

    def _check_code(self, code: str, verdict: Validation) -> Finding | None:
        if verdict.status == CodeStatus.BILLABLE:
            return None
        if verdict.status == CodeStatus.UNKNOWN:
            return self._unknown(code, verdict)
        if verdict.status == CodeStatus.HEADER:
            return self._not_billable(verdict)
        return self._seventh_character(verdict)

    def _unknown(self, code: str, verdict: Validation) -> Finding:
        if not icd10_format_is_valid(code):
            return Finding(
                "dx.unknown", Severity.ERROR,
                f"\"{code.strip()}\" is not shaped like an ICD-10-CM code.",
                "Enter the code as a letter, a digit, then up to five letters or digits (e.g. E11.9), "
                "or search the ICD-10-CM code set by words.",
            )
        shown = display(verdict.code)
        closest = self.code_set.closest(verdict.code)
        if closest is None:
            fix = "Check the code against the documentation and search the ICD-10-CM code set by words; it may " \
                  "have been deleted or never existed."
        elif closest.billable:
            fix = f"Did you mean {_named(closest)}? Otherwise search the ICD-10-CM code set for the documented " \
                  "condition."
        else:
            examples = self.code_set.billable_examples(closest.code)
            fix = f"Codes under {_named(closest)} include {_listing(examples)}; pick the one the documentation " \
                  "supports."
        return Finding("dx.unknown", Severity.ERROR, f"{shown} is not an ICD-10-CM FY2026 code.", fix)

    def _not_billable(self, verdict: Validation) -> Finding:
        info = self.code_set.lookup(verdict.code)
        assert info is not None
        examples = self.code_set.billable_examples(verdict.code)
        what = "a category" if len(verdict.code) == 3 else "a subcategory"
        fix = f"Pick the more specific code the documentation supports, such as {_listing(examples)}"
        if any(e.seventh_character_required for e in examples):
            fix += ", with its 7th character"
        return Finding(
            "dx.not_billable", Severity.ERROR,
            f"{info.code} is {what} ({info.description}), not a billable code: more specific codes exist below it.",
            fix + ".",
        )

    def _seventh_character(self, verdict: Validation) -> Finding:
        assert verdict.base is not None
        base = self.code_set.lookup(verdict.base)
        assert base is not None
        completions = self.code_set.completions(verdict.base)
        choices = "; ".join(f"{c.code} ({s.meaning})" for c, s in zip(completions, base.seventh_characters))
        padded = completions[0].code[:-1] if completions else base.code
        if verdict.status == CodeStatus.SEVENTH_MISSING:
            placeholder = " the placeholder X up to 6 characters and" if len(verdict.base) < 6 else ""
            message = f"{base.code} ({base.description}) needs{placeholder} a 7th character."
            fix = f"Add the 7th character for this encounter: {choices}."
        elif display(verdict.code).startswith(padded) and len(verdict.code) == 7:
            message = f"{verdict.code[6]} is not a valid 7th character for {_named(base)}."
            fix = f"Use the 7th character the documentation supports: {choices}."
        else:
            intended = [c for c in completions if c.code[-1] == verdict.code[-1]]
            message = (f"{display(verdict.code)} is missing the placeholder X: {base.code} is filled with X to 6 "
                       f"characters before its 7th character.")
            fix = f"Use {_named(intended[0])}." if intended else f"Use one of: {choices}."
        return Finding("dx.seventh_character", Severity.ERROR, message, fix)

    # -- the codes together ----------------------------------------------------------------------

    def _duplicates(self, codes: CodesUnderEdit, verdicts: list[Validation]) -> Iterator[Finding]:
        positions: dict[str, list[int]] = {}
        for position, verdict in enumerate(verdicts, start=1):
            positions.setdefault(verdict.code, []).append(position)
        for code, where in positions.items():
            if len(where) < 2:
                continue
            shown = display(code)
            listed = ", ".join(str(p) for p in where[:-1]) + f" and {where[-1]}"
            finding = Finding(
                "dx.duplicate", Severity.ERROR,
                f"{shown} is listed {len(where)} times (diagnoses {listed}).",
                f"Keep {shown} once, as diagnosis {where[0]}, and point the service lines that use the other "
                "positions at it.",
            )
            yield self._located(finding, codes, tuple(codes.diagnoses[p - 1] for p in where), tuple(where))

    def _excludes1(self, codes: CodesUnderEdit, verdicts: list[Validation]) -> Iterator[Finding]:
        usable: dict[str, int] = {}  # code -> first position, for codes that rest on a row
        for position, verdict in enumerate(verdicts, start=1):
            if verdict.base is not None and verdict.status != CodeStatus.SEVENTH_INVALID:
                usable.setdefault(verdict.code, position)
        listed = list(usable.items())
        for i, (a, position_a) in enumerate(listed):
            for b, position_b in listed[i + 1:]:
                conflict = self.code_set.excludes1_between(a, b)
                if conflict is None:
                    continue
                first, second = self._describe(a), self._describe(b)
                finding = Finding(
                    "dx.excludes1", Severity.ERROR,
                    f"{first} and {second} cannot be coded together: {conflict.owner} has the Excludes1 note "
                    f"\"{conflict.note}\" (the conditions are mutually exclusive).",
                    f"Keep the one the documentation supports ({display(a)} or {display(b)}) and remove the other; "
                    "if the record documents both, query the provider. Both may stand only when the provider "
                    "documents them as unrelated conditions.",
                )
                yield self._located(
                    finding, codes, (codes.diagnoses[position_a - 1], codes.diagnoses[position_b - 1]),
                    (position_a, position_b),
                )

    def _first_listed(self, verdict: Validation) -> Finding | None:
        info = self.code_set.lookup(verdict.code)
        if info is None or info.sequencing == Sequencing.ANY:
            return None
        code_first = [n for n in info.notes if n.kind == NoteKind.CODE_FIRST]
        nearest = [n.text for n in code_first if n.source == code_first[-1].source]  # notes run top-down
        instruction = _instruction(nearest)
        if info.sequencing == Sequencing.MANIFESTATION:
            return Finding(
                "dx.manifestation_first", Severity.ERROR,
                f"{_named(info)} is a manifestation code and may never be first-listed.",
                f"List the underlying condition first, then {info.code}"
                + (f" (Code first: {instruction})." if instruction else "."),
            )
        return Finding(
            "dx.manifestation_first", Severity.WARNING,
            f"{_named(info)} is first-listed but carries the instruction \"Code first {instruction}\".",
            f"List the underlying condition first and {info.code} after it; {info.code} may stay first only when "
            "no underlying condition is documented.",
        )

    # -- helpers ---------------------------------------------------------------------------------

    def _describe(self, code: str) -> str:
        info = self.code_set.lookup(code)
        return _named(info) if info is not None else display(code)

    @staticmethod
    def _located(finding: Finding, codes: CodesUnderEdit, listed: str | tuple[str, ...],
                 positions: tuple[int, ...]) -> Finding:
        """The finding with the codes as listed and the service lines pointing at those positions."""
        lines = tuple(
            number for number, line in enumerate(codes.lines, start=1)
            if any(p in positions for p in line.diagnosis_pointers)
        )
        return replace(finding, lines=lines, diagnoses=listed if isinstance(listed, tuple) else (listed,))
