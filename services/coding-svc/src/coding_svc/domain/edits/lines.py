"""Structural edits on the code set: diagnosis pointers, units, dates of service, counts.

These need no reference data; they are what an 837P needs to be well formed (1-4 pointers per line,
at most 12 diagnoses) and what a coder most often gets wrong by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from coding_svc.domain.edits.findings import CodesUnderEdit, Finding, Severity
from openrcm_shared.identifiers import modifier_format_is_valid

MAX_DIAGNOSES = 12  # HI segment of the 837P
MAX_POINTERS = 4  # SV107 composite


class LineEdits:
    family = "line"

    def check(self, codes: CodesUnderEdit) -> Iterator[Finding]:
        diagnosis_count = len(codes.diagnoses)
        if diagnosis_count == 0:
            yield Finding(
                "encounter.no_diagnoses", Severity.ERROR, "The encounter has no diagnosis codes.",
                "Add the diagnoses documented for this visit, the reason for the visit first.",
            )
        if diagnosis_count > MAX_DIAGNOSES:
            yield Finding(
                "encounter.diagnosis_count", Severity.ERROR,
                f"{diagnosis_count} diagnoses are coded; a professional claim carries at most {MAX_DIAGNOSES}.",
                f"Keep the {MAX_DIAGNOSES} diagnoses that support the services billed; drop the rest.",
                diagnoses=codes.diagnoses[MAX_DIAGNOSES:],
            )
        if not codes.lines:
            yield Finding(
                "encounter.no_lines", Severity.ERROR, "The encounter has no procedure lines.",
                "Add a line for each service performed (CPT or HCPCS code, units, diagnosis pointers).",
            )
        for number, line in enumerate(codes.lines, start=1):
            yield from self._pointer_findings(number, line.diagnosis_pointers, diagnosis_count)
            if line.units <= 0:
                yield Finding(
                    "line.units", Severity.ERROR, f"Line {number} ({line.procedure_code}) bills {line.units} units.",
                    "Enter the number of units performed; it must be more than 0.", lines=(number,),
                )
            for modifier in line.modifiers:
                if not modifier_format_is_valid(modifier):
                    yield Finding(
                        "line.modifier_format", Severity.ERROR,
                        f"Line {number} ({line.procedure_code}) has modifier {modifier!r}, which is not a modifier.",
                        "Modifiers are two letters or digits, such as 25, 59 or LT; correct or remove it.",
                        lines=(number,),
                    )
            if not codes.service_date_from <= line.service_date <= codes.service_date_to:
                yield Finding(
                    "line.date_outside", Severity.ERROR,
                    f"Line {number} ({line.procedure_code}) is dated {line.service_date.isoformat()}, outside the "
                    f"encounter's dates of service ({codes.service_date_from.isoformat()} to "
                    f"{codes.service_date_to.isoformat()}).",
                    "Correct the line's date of service, or code the service on the encounter it belongs to.",
                    lines=(number,),
                )

    @staticmethod
    def _pointer_findings(number: int, pointers: tuple[int, ...], diagnosis_count: int) -> Iterator[Finding]:
        if not pointers:
            yield Finding(
                "line.pointer_missing", Severity.ERROR, f"Line {number} points to no diagnosis.",
                "Point the line to the diagnosis (1 to 4 of them) that shows why the service was needed.",
                lines=(number,),
            )
        if len(pointers) > MAX_POINTERS:
            yield Finding(
                "line.pointer_count", Severity.ERROR,
                f"Line {number} points to {len(pointers)} diagnoses; a line may point to at most {MAX_POINTERS}.",
                f"Keep the {MAX_POINTERS} diagnoses that best support this service, the primary reason first.",
                lines=(number,),
            )
        unknown = [p for p in pointers if not 1 <= p <= diagnosis_count]
        if unknown:
            listed = ", ".join(str(p) for p in unknown)
            yield Finding(
                "line.pointer_unknown", Severity.ERROR,
                f"Line {number} points to diagnosis {listed}, but the encounter has {diagnosis_count} diagnoses.",
                "Point to a diagnosis by its position in the diagnosis list (1 is the first).",
                lines=(number,),
            )
        if len(set(pointers)) != len(pointers):
            yield Finding(
                "line.pointer_repeated", Severity.ERROR, f"Line {number} points to the same diagnosis twice.",
                "Remove the repeated pointer.", lines=(number,),
            )
