"""The ``dx`` edit family on the real ICD-10-CM FY2026 code set."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coding_svc.domain.edits.diagnoses import DiagnosisEdits
from coding_svc.domain.edits.engine import EditEngine
from coding_svc.domain.edits.findings import CodesUnderEdit, Finding, Severity
from coding_svc.domain.encounter import ProcedureLine

DOS = date(2026, 5, 4)


def line(*pointers: int) -> ProcedureLine:
    return ProcedureLine(
        procedure_code="99213", code_system="CPT", modifiers=(), units=Decimal("1"),
        diagnosis_pointers=pointers, service_date=DOS, charge=Decimal("100"),
    )


@pytest.fixture(scope="module")
def dx(icd10cm) -> DiagnosisEdits:
    return DiagnosisEdits(icd10cm)


def findings(dx: DiagnosisEdits, *diagnoses: str, lines: tuple[ProcedureLine, ...] = ()) -> list[Finding]:
    return list(dx.check(CodesUnderEdit(diagnoses=diagnoses, lines=lines, service_date_from=DOS, service_date_to=DOS)))


def only(found: list[Finding], edit_id: str) -> Finding:
    assert [f.edit_id for f in found] == [edit_id], found
    return found[0]


def test_the_family_follows_the_edit_family_contract(dx):
    assert dx.family == "dx"
    report = EditEngine([dx]).run(CodesUnderEdit(("E11.9", "I10"), (line(1, 2),), DOS, DOS))
    assert report.clean and report.findings == ()


@pytest.mark.parametrize("diagnoses", [("E119", "I10"), ("S52.501A", "W19.XXXA"), ("T78.2XXA",), ("E85.1", "G63")])
def test_valid_billable_codes_in_a_valid_order_have_no_findings(dx, diagnoses):
    assert findings(dx, *diagnoses) == []


@pytest.mark.parametrize(("code", "edit_id", "in_message", "in_fix"), [
    ("Q99.99", "dx.unknown", "Q99.99 is not an ICD-10-CM FY2026 code.",
     "Did you mean Q99.9 (Chromosomal abnormality, unspecified)?"),
    ("ABC", "dx.unknown", '"ABC" is not shaped like an ICD-10-CM code.', "(e.g. E11.9)"),
    ("T81.4XXA", "dx.unknown", "T81.4XXA is not an ICD-10-CM FY2026 code.",  # T81.4 is subdivided in FY2026
     "T81.40 (Infection following a procedure, unspecified)"),
    ("E11", "dx.not_billable", "E11 is a category (Type 2 diabetes mellitus), not a billable code",
     "E11.9 (Type 2 diabetes mellitus without complications)"),
    ("S52.50", "dx.not_billable", "S52.50 is a subcategory",
     "S52.501 (Unspecified fracture of the lower end of right radius)"),
    ("S52.501", "dx.seventh_character", "needs a 7th character", "S52.501A (initial encounter for closed fracture)"),
    ("S52.501Z", "dx.seventh_character", "Z is not a valid 7th character for S52.501", "S52.501S (sequela)"),
    ("S06.1X7D", "dx.seventh_character", "D is not a valid 7th character for S06.1X7",  # no D/S after a death
     "supports: S06.1X7A (initial encounter)."),
    ("T78.2", "dx.seventh_character", "needs the placeholder X up to 6 characters", "T78.2XXA (initial encounter)"),
    ("T78.2A", "dx.seventh_character", "T78.2A is missing the placeholder X",
     "Use T78.2XXA (Anaphylactic shock, unspecified, initial encounter)."),
])
def test_one_bad_code_is_one_error_with_a_fix(dx, code, edit_id, in_message, in_fix):
    finding = only(findings(dx, code), edit_id)
    assert finding.severity == Severity.ERROR and finding.diagnoses == (code,)
    assert in_message in finding.message
    assert in_fix in finding.suggested_fix


def test_a_header_whose_codes_need_a_7th_character_says_so(dx):
    assert only(findings(dx, "S52.50"), "dx.not_billable").suggested_fix.endswith(", with its 7th character.")


def test_excludes1_pair_names_both_codes_and_the_note(dx):
    finding = only(findings(dx, "E10.9", "E11.9"), "dx.excludes1")
    assert finding.severity == Severity.ERROR
    assert finding.diagnoses == ("E10.9", "E11.9")
    assert "E10.9 (Type 1 diabetes mellitus without complications)" in finding.message
    assert "E11.9 (Type 2 diabetes mellitus without complications)" in finding.message
    assert '"type 2 diabetes mellitus (E11.-)"' in finding.message
    assert finding.suggested_fix.startswith("Keep the one the documentation supports (E10.9 or E11.9)")


def test_excludes1_through_a_narrowed_range(dx):
    finding = only(findings(dx, "E11.42", "G63"), "dx.excludes1")
    assert "diabetes mellitus (E08-E13 with .42)" in finding.message


def test_codes_that_may_be_coded_together_pass(dx):
    assert findings(dx, "E11.9", "E78.5", "I10", "Z79.84") == []


def test_a_manifestation_code_first_listed_is_an_error(dx):
    finding = only(findings(dx, "G63", "E85.1"), "dx.manifestation_first")
    assert finding.severity == Severity.ERROR and finding.diagnoses == ("G63",)
    assert "manifestation code and may never be first-listed" in finding.message
    assert finding.suggested_fix.startswith("List the underlying condition first, then G63")
    assert "amyloidosis (E85.-)" in finding.suggested_fix


def test_a_manifestation_code_listed_second_is_fine(dx):
    assert findings(dx, "E85.1", "G63") == []


def test_a_code_first_code_first_listed_is_a_warning(dx):
    finding = only(findings(dx, "N48.30"), "dx.manifestation_first")
    assert finding.severity == Severity.WARNING and not finding.blocks_release
    assert 'the instruction "Code first underlying cause"' in finding.message
    assert EditEngine([dx]).run(CodesUnderEdit(("N48.30",), (), DOS, DOS)).clean


def test_a_conditional_code_first_note_raises_nothing(dx):
    assert findings(dx, "M62.84") == []  # "Code first underlying disease, if applicable"


def test_a_duplicate_is_reported_once_with_its_positions(dx):
    finding = only(findings(dx, "E11.9", "I10", "E119"), "dx.duplicate")
    assert finding.severity == Severity.ERROR and finding.diagnoses == ("E11.9", "E119")
    assert finding.message == "E11.9 is listed 2 times (diagnoses 1 and 3)."


def test_findings_point_at_the_lines_using_the_diagnosis(dx):
    found = findings(dx, "E11.9", "E11", lines=(line(1), line(2), line(1, 2)))
    assert only(found, "dx.not_billable").lines == (2, 3)


def test_bad_codes_are_reported_once_and_left_out_of_pair_checks(dx):
    found = findings(dx, "Q99.99", "S52.501Z", "E10.9")
    assert [f.edit_id for f in found] == ["dx.unknown", "dx.seventh_character"]


def test_every_finding_has_a_message_and_a_fix(dx):
    found = findings(dx, "G63", "E11", "S52.501", "E10.9", "E11.9", "E10.9", "Q99.99")
    assert {f.edit_id for f in found} == {
        "dx.manifestation_first", "dx.not_billable", "dx.seventh_character", "dx.excludes1", "dx.duplicate",
        "dx.unknown",
    }
    for finding in found:
        assert finding.message and finding.suggested_fix and finding.edit_id.startswith("dx.")
