"""Medically unlikely edits: per-line limits (MAI 1) and per-day limits summed across lines (MAI 2 and 3)."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest

from coding_svc.domain.edits.findings import Severity
from coding_svc.domain.edits.mue import MueAdjudication, MueEdits, MueLimit, MueTable

A = MueAdjudication
TABLE = MueTable([
    MueLimit("20610", 2, A.LINE, "Anatomic Consideration"),
    MueLimit("99213", 1, A.DAY_POLICY, "Code Descriptor / CPT Instruction"),
    MueLimit("J1100", 120, A.DAY_CLINICAL, "Clinical: Data"),
])


@pytest.fixture
def run(findings_of):  # type: ignore[no-untyped-def]
    return partial(findings_of, MueEdits(TABLE))


def test_line_edit_breach_is_an_error_with_units_and_a_split_or_reduce_fix(run, make_proc_line):
    [finding] = run(make_proc_line("99214"), make_proc_line("20610", units="3"))
    assert (finding.edit_id, finding.severity, finding.lines) == ("mue.line", Severity.ERROR, (2,))
    assert "3 units of 20610" in finding.message and "allows 2 per line" in finding.message
    assert "Reduce line 2 to 2 units" in finding.suggested_fix and "separate lines" in finding.suggested_fix


def test_line_edit_applies_to_each_line_alone(run, make_proc_line):
    right = make_proc_line("20610", units="2", modifiers=("RT",))
    left = make_proc_line("20610", units="2", modifiers=("LT",))
    assert run(right, left) == []


def test_at_the_limit_is_fine(run, make_proc_line):
    assert run(make_proc_line("20610", units="2"), make_proc_line("99213"), make_proc_line("J1100", units="120")) == []


def test_day_edit_sums_units_across_lines_of_the_same_day(run, make_proc_line):
    [finding] = run(make_proc_line("J1100", units="80"), make_proc_line("99213"), make_proc_line("J1100", units="41"))
    assert (finding.edit_id, finding.lines) == ("mue.day", (1, 3))
    assert "J1100 is billed 121 units" in finding.message and "allows 120 per day" in finding.message
    assert "MAI 3" in finding.message and "appeal" in finding.suggested_fix


def test_policy_day_edit_says_splitting_does_not_help(run, make_proc_line):
    [finding] = run(make_proc_line("99213"), make_proc_line("99213", modifiers=("25",)))
    assert finding.edit_id == "mue.day" and finding.lines == (1, 2) and "MAI 2" in finding.message
    assert "Reduce 99213 to 1 unit in total" in finding.suggested_fix and "not change" in finding.suggested_fix


def test_day_edit_counts_each_date_separately(run, make_proc_line):
    assert run(make_proc_line("99213", on=date(2026, 3, 2)), make_proc_line("99213", on=date(2026, 3, 3))) == []


def test_fractional_units_are_compared_exactly(run, make_proc_line):
    [finding] = run(make_proc_line("J1100", units="120.5"))
    assert "120.5 units" in finding.message


def test_codes_without_a_limit_are_not_checked(run, make_proc_line):
    assert run(make_proc_line("99215", units="9")) == []


def test_sample_table_loads_and_edits(sample_reference, make_codes, make_proc_line):
    found = list(MueEdits(sample_reference.mue).check(make_codes(make_proc_line("11042", units="2"))))
    assert [f.edit_id for f in found] == ["mue.day"]
