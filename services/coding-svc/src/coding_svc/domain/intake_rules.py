"""Checks on an incoming encounter that involve more than one field.

Field-level checks (formats, NPI check digits, code shapes) run in the API schema; these run after
it and report every problem at once, each with a JSON pointer to the field.
"""

from __future__ import annotations

from datetime import date

from coding_svc.domain.encounter import EncounterDocument

SELF = "18"


def cross_field_problems(doc: EncounterDocument, today: date) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []

    def add(pointer: str, message: str) -> None:
        problems.append({"pointer": pointer, "location": "body", "message": message, "code": "invalid"})

    if doc.service_date_to < doc.service_date_from:
        add("/service_date_to", "must be on or after service_date_from")
    if doc.service_date_from > today:
        add("/service_date_from", "is in the future")
    if doc.service_date_to > today:
        add("/service_date_to", "is in the future")
    if doc.patient.date_of_birth > doc.service_date_from:
        add("/patient/date_of_birth", "is after the date of service")
    if doc.patient.date_of_birth > today:
        add("/patient/date_of_birth", "is in the future")
    sequences = [c.sequence for c in doc.coverages]
    if len(set(sequences)) != len(sequences):
        add("/coverages", "each coverage sequence (primary, secondary, tertiary) may appear once")
    if doc.coverages and doc.coverages[0].sequence != "primary":
        add("/coverages/0/sequence", "the first coverage must be the primary")
    if doc.lines and not doc.diagnoses:
        add("/diagnoses", "procedure lines need at least one diagnosis to point to")
    for i, line in enumerate(doc.lines):
        for j, pointer in enumerate(line.diagnosis_pointers):
            if pointer > len(doc.diagnoses):
                add(f"/service_lines/{i}/diagnosis_pointers/{j}", f"points to diagnosis {pointer}, but only {len(doc.diagnoses)} were sent")
        if len(set(line.diagnosis_pointers)) != len(line.diagnosis_pointers):
            add(f"/service_lines/{i}/diagnosis_pointers", "must not repeat a diagnosis")
        if not (doc.service_date_from <= line.service_date <= doc.service_date_to):
            add(f"/service_lines/{i}/service_date", "is outside the encounter's dates of service")
    return problems
