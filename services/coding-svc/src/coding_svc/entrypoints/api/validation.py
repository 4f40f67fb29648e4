"""Intake validation: schema errors and cross-field problems of one encounter, reported together.

Pydantic stops before its model-level checks when a field fails, so for an invalid request the
cross-field rules run on the fields that did parse (``facts_of_raw``); a problem already named by a
schema error at the same pointer is not repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

from coding_svc.domain.encounter import EncounterDocument
from coding_svc.domain.intake_rules import IntakeFacts, LineFacts, cross_field_problems
from coding_svc.entrypoints.api.schemas import EncounterIn
from openrcm_shared.problems import InvalidInput, validation_errors

Problem = dict[str, Any]

_date: TypeAdapter[date] = TypeAdapter(date)
_int: TypeAdapter[int] = TypeAdapter(int)
_SEQUENCES = ("primary", "secondary", "tertiary")


def validate_encounter(raw: Any, today: date) -> tuple[EncounterDocument | None, list[Problem]]:
    """The validated document, or None and every problem (pointers relative to the encounter)."""
    try:
        body = EncounterIn.model_validate(raw)
    except ValidationError as exc:
        return None, with_cross_field_problems(validation_errors(list(exc.errors())), raw, today)
    return document_or_problems(body, today)


def document_or_problems(body: EncounterIn, today: date) -> tuple[EncounterDocument | None, list[Problem]]:
    document = body.to_document()
    problems = cross_field_problems(document, today)
    return (None, problems) if problems else (document, [])


def invalid(problems: list[Problem]) -> InvalidInput:
    return InvalidInput(f"{len(problems)} field(s) are invalid; see `errors`.", errors=problems)


def with_cross_field_problems(schema_errors: list[Problem], raw: Any, today: date) -> list[Problem]:
    named = {e["pointer"] for e in schema_errors}
    extra = [p for p in cross_field_problems(facts_of_raw(raw), today) if p["pointer"] not in named]
    return [*schema_errors, *extra]


def facts_of_raw(raw: Any) -> IntakeFacts:
    """What the cross-field rules need from a request that failed the schema; None where unparseable."""
    data = raw if isinstance(raw, dict) else {}
    date_from = _maybe(_date, data.get("service_date_from"))
    date_to = _maybe(_date, data["service_date_to"]) if data.get("service_date_to") is not None else date_from
    patient = data.get("patient") if isinstance(data.get("patient"), dict) else {}
    coverages = data.get("coverages") if isinstance(data.get("coverages"), list) else []
    diagnoses = data.get("diagnoses", [])
    lines = data.get("service_lines") if isinstance(data.get("service_lines"), list) else []

    def line_facts(line: Any) -> LineFacts:
        line = line if isinstance(line, dict) else {}
        service_date = _maybe(_date, line["service_date"]) if line.get("service_date") is not None else date_from
        pointers = line.get("diagnosis_pointers") if isinstance(line.get("diagnosis_pointers"), list) else []
        return LineFacts(service_date, tuple(_maybe(_int, p) for p in pointers))

    return IntakeFacts(
        service_date_from=date_from,
        service_date_to=date_to,
        date_of_birth=_maybe(_date, patient.get("date_of_birth")),
        coverage_sequences=tuple(
            c.get("sequence") if isinstance(c, dict) and c.get("sequence") in _SEQUENCES else None for c in coverages
        ),
        diagnosis_count=len(diagnoses) if isinstance(diagnoses, list) else None,
        lines=tuple(line_facts(line) for line in lines),
    )


def _maybe(adapter: TypeAdapter[Any], value: Any) -> Any:
    if value is None:
        return None
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


class IntakeRoute(APIRoute):
    """A route whose body errors also list the cross-field problems of the fields that did parse."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def report_every_problem(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = validation_errors(list(exc.errors()))
                body = exc.body if isinstance(exc.body, dict) else None
                raise invalid(with_cross_field_problems(errors, body, date.today()) if body else errors) from None

        return report_every_problem
