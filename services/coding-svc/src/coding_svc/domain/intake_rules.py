"""Checks on an incoming encounter that involve more than one field.

Field-level checks (formats, NPI check digits, code shapes) run in the API schema; these run after
it and report every problem at once, each with a JSON pointer to the field. They look at
``IntakeFacts``: built from a valid document, or from whatever fields of an invalid request did parse
(None for the rest), so a request's field errors and cross-field problems are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coding_svc.domain.encounter import EncounterDocument

SELF = "18"


@dataclass(frozen=True)
class LineFacts:
    service_date: date | None
    diagnosis_pointers: tuple[int | None, ...]


@dataclass(frozen=True)
class IntakeFacts:
    """The fields the cross-field rules compare; None where a field was missing or malformed."""

    service_date_from: date | None
    service_date_to: date | None
    date_of_birth: date | None
    coverage_sequences: tuple[str | None, ...]
    diagnosis_count: int | None
    lines: tuple[LineFacts, ...]

    @classmethod
    def of(cls, doc: EncounterDocument) -> "IntakeFacts":
        return cls(
            service_date_from=doc.service_date_from,
            service_date_to=doc.service_date_to,
            date_of_birth=doc.patient.date_of_birth,
            coverage_sequences=tuple(c.sequence for c in doc.coverages),
            diagnosis_count=len(doc.diagnoses),
            lines=tuple(LineFacts(line.service_date, tuple(line.diagnosis_pointers)) for line in doc.lines),
        )


def cross_field_problems(doc: EncounterDocument | IntakeFacts, today: date) -> list[dict[str, str]]:
    facts = IntakeFacts.of(doc) if isinstance(doc, EncounterDocument) else doc
    problems: list[dict[str, str]] = []

    def add(pointer: str, message: str) -> None:
        problems.append({"pointer": pointer, "location": "body", "message": message, "code": "invalid"})

    date_from, date_to, dob = facts.service_date_from, facts.service_date_to, facts.date_of_birth
    if date_from and date_to and date_to < date_from:
        add("/service_date_to", "must be on or after service_date_from")
    if date_from and date_from > today:
        add("/service_date_from", "is in the future")
    if date_to and date_to > today:
        add("/service_date_to", "is in the future")
    if dob and date_from and dob > date_from:
        add("/patient/date_of_birth", "is after the date of service")
    if dob and dob > today:
        add("/patient/date_of_birth", "is in the future")
    sequences = [s for s in facts.coverage_sequences if s is not None]
    if len(set(sequences)) != len(sequences):
        add("/coverages", "each coverage sequence (primary, secondary, tertiary) may appear once")
    if facts.coverage_sequences and facts.coverage_sequences[0] not in (None, "primary"):
        add("/coverages/0/sequence", "the first coverage must be the primary")
    count = facts.diagnosis_count
    if facts.lines and count == 0:
        add("/diagnoses", "procedure lines need at least one diagnosis to point to")
    for i, line in enumerate(facts.lines):
        pointers = [p for p in line.diagnosis_pointers if p is not None]
        for j, pointer in enumerate(line.diagnosis_pointers):
            if count is not None and pointer is not None and pointer > count:
                add(f"/service_lines/{i}/diagnosis_pointers/{j}", f"points to diagnosis {pointer}, but only {count} were sent")
        if len(set(pointers)) != len(pointers):
            add(f"/service_lines/{i}/diagnosis_pointers", "must not repeat a diagnosis")
        if line.service_date and date_from and date_to and not (date_from <= line.service_date <= date_to):
            add(f"/service_lines/{i}/service_date", "is outside the encounter's dates of service")
    return problems
