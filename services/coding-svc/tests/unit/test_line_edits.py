from __future__ import annotations

from datetime import date
from decimal import Decimal

from coding_svc.domain.edits.engine import EditEngine
from coding_svc.domain.edits.findings import CodesUnderEdit, Severity
from coding_svc.domain.edits.lines import LineEdits
from coding_svc.domain.encounter import ProcedureLine

DOS = date(2026, 10, 5)


def line(code: str = "99213", *, pointers: tuple[int, ...] = (1,), units: str = "1", modifiers: tuple[str, ...] = (),
         on: date = DOS) -> ProcedureLine:
    return ProcedureLine(
        procedure_code=code, code_system="CPT", modifiers=modifiers, units=Decimal(units),
        diagnosis_pointers=pointers, service_date=on, charge=Decimal("100"),
    )


def codes(*lines: ProcedureLine, diagnoses: tuple[str, ...] = ("E11.9",)) -> CodesUnderEdit:
    return CodesUnderEdit(diagnoses=diagnoses, lines=lines, service_date_from=DOS, service_date_to=DOS)


def edit_ids(under_edit: CodesUnderEdit) -> list[str]:
    return [f.edit_id for f in LineEdits().check(under_edit)]


def test_a_well_formed_code_set_has_no_findings():
    assert edit_ids(codes(line(pointers=(1, 2)), line("36415"), diagnoses=("E11.9", "I10"))) == []


def test_a_line_needs_one_to_four_pointers_to_existing_diagnoses():
    found = edit_ids(codes(line(pointers=()), line(pointers=(1, 2, 3, 4, 5)), line(pointers=(3,)), line(pointers=(1, 1)),
                           diagnoses=("E11.9", "I10", "E78.5", "Z79.4", "R73.9")))
    assert found == ["line.pointer_missing", "line.pointer_count", "line.pointer_repeated"]
    assert edit_ids(codes(line(pointers=(2,)))) == ["line.pointer_unknown"]


def test_at_most_twelve_diagnoses():
    thirteen = tuple(f"Z00.0{i}" for i in range(13))
    [finding] = LineEdits().check(codes(line(), diagnoses=thirteen))
    assert finding.edit_id == "encounter.diagnosis_count" and finding.diagnoses == thirteen[12:]


def test_units_must_be_positive_and_modifiers_well_formed():
    assert edit_ids(codes(line(units="0"), line(units="-1"), line(modifiers=("25", "5")))) == [
        "line.units", "line.units", "line.modifier_format",
    ]


def test_a_line_dated_outside_the_encounter_is_an_error_naming_the_line():
    [finding] = LineEdits().check(codes(line(), line(on=date(2026, 10, 6))))
    assert finding.edit_id == "line.date_outside" and finding.lines == (2,)
    assert finding.severity is Severity.ERROR and "2026-10-06" in finding.message and finding.suggested_fix


def test_an_empty_code_set_reports_what_is_missing():
    assert edit_ids(codes(diagnoses=())) == ["encounter.no_diagnoses", "encounter.no_lines"]


def test_the_engine_puts_errors_first_and_reports_clean_when_only_warnings_remain():
    class Advisory:
        family = "advice"

        def check(self, under_edit):
            from coding_svc.domain.edits.findings import Finding
            yield Finding("advice.note", Severity.WARNING, "note", "none", lines=(1,))

    report = EditEngine([Advisory(), LineEdits()]).run(codes(line(), line(units="0")))
    assert [f.edit_id for f in report.findings] == ["line.units", "advice.note"]
    assert not report.clean
    assert EditEngine([Advisory()]).run(codes(line())).clean
