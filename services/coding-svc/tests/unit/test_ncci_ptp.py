"""NCCI procedure-to-procedure edits: pairs on one date, indicators 0/1/9, bypass modifiers, edit dates."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest

from coding_svc.domain.edits.engine import EditEngine
from coding_svc.domain.edits.findings import Severity
from coding_svc.domain.edits.ncci_ptp import ModifierIndicator, NcciPtpEdits, NcciPtpTable, PtpEdit

I = ModifierIndicator
TABLE = NcciPtpTable([
    PtpEdit("29880", "29881", date(2006, 1, 1), None, I.ALLOWED, "Standards of medical / surgical practice"),
    PtpEdit("11042", "97597", date(2008, 1, 1), None, I.ALLOWED, "Misuse of column two code with column one code"),
    PtpEdit("20610", "99213", date(2021, 1, 1), None, I.ALLOWED, "Misuse of column two code with column one code"),
    PtpEdit("93000", "93005", date(1996, 1, 1), None, I.NOT_ALLOWED, "HCPCS/CPT procedure code definition"),
    PtpEdit("29880", "29877", date(1996, 1, 1), date(2015, 12, 31), I.ALLOWED),
    PtpEdit("97140", "97530", date(2020, 1, 1), date(2020, 1, 1), I.NOT_APPLICABLE),
    PtpEdit("99214", "99213", date(2020, 1, 1), None, I.ALLOWED, "Mutually exclusive procedures"),
])


@pytest.fixture
def run(findings_of):  # type: ignore[no-untyped-def]
    return partial(findings_of, NcciPtpEdits(TABLE))


def test_indicator_1_pair_is_an_error_naming_column_2_and_the_fix(run, make_proc_line):
    [finding] = run(make_proc_line("29881"), make_proc_line("29880"))
    assert (finding.edit_id, finding.severity, finding.lines) == ("ncci.ptp", Severity.ERROR, (1, 2))
    assert "29881 (line 1) is column 2 to 29880 (line 2)" in finding.message
    assert "Standards of medical / surgical practice" in finding.message
    assert "Remove 29881 from line 1" in finding.suggested_fix
    assert "59" in finding.suggested_fix and "XS" in finding.suggested_fix


@pytest.mark.parametrize("modifier", ["59", "XE", "XS", "XP", "XU"])
@pytest.mark.parametrize("on_column", [1, 2])
def test_distinct_service_modifiers_bypass_on_either_line(run, make_proc_line, modifier, on_column):
    column1 = make_proc_line("11042", modifiers=(modifier,) if on_column == 1 else ())
    column2 = make_proc_line("97597", modifiers=(modifier,) if on_column == 2 else ())
    assert run(column1, column2) == []


@pytest.mark.parametrize("modifiers", [("76",), ("GA",), ("50",), ("26",), ("25",)])
def test_other_modifiers_do_not_bypass(run, make_proc_line, modifiers):
    assert [f.edit_id for f in run(make_proc_line("11042"), make_proc_line("97597", modifiers=modifiers))] == [
        "ncci.ptp"
    ]


def test_indicator_0_is_never_bypassed(run, make_proc_line):
    [finding] = run(make_proc_line("93000", modifiers=("59",)), make_proc_line("93005", modifiers=("XU", "XS")))
    assert finding.edit_id == "ncci.ptp.not_bypassable" and finding.severity == Severity.ERROR
    assert "indicator is 0" in finding.message
    assert finding.suggested_fix.startswith("Remove 93005 from line 2")


def test_em_with_a_procedure_is_bypassed_by_25_on_the_em_only(run, make_proc_line):
    [finding] = run(make_proc_line("99213"), make_proc_line("20610"))
    assert finding.edit_id == "ncci.ptp" and "modifier 25 to line 1" in finding.suggested_fix
    assert run(make_proc_line("99213", modifiers=("25",)), make_proc_line("20610")) == []
    assert [f.edit_id for f in run(make_proc_line("99213"), make_proc_line("20610", modifiers=("25",)))] == ["ncci.ptp"]
    # 59 is not for E/M services: on the E/M line it does not bypass an E/M-procedure edit.
    assert [f.edit_id for f in run(make_proc_line("99213", modifiers=("59",)), make_proc_line("20610"))] == [
        "ncci.ptp"
    ]


def test_25_does_not_bypass_an_em_with_em_edit(run, make_proc_line):
    [finding] = run(make_proc_line("99214", modifiers=("25",)), make_proc_line("99213", modifiers=("25",)))
    assert finding.edit_id == "ncci.ptp" and "one code" in finding.suggested_fix


def test_anatomic_modifiers_bypass_only_for_different_sites_on_both_lines(run, make_proc_line):
    assert run(make_proc_line("29880", modifiers=("RT",)), make_proc_line("29881", modifiers=("LT",))) == []
    assert len(run(make_proc_line("29880", modifiers=("RT",)), make_proc_line("29881", modifiers=("RT",)))) == 1
    assert len(run(make_proc_line("29880", modifiers=("RT",)), make_proc_line("29881"))) == 1
    assert run(make_proc_line("11042", modifiers=("F1",)), make_proc_line("97597", modifiers=("F2",))) == []


def test_global_surgery_modifiers_bypass_procedure_pairs(run, make_proc_line):
    assert run(make_proc_line("29880"), make_proc_line("29881", modifiers=("79",))) == []
    assert len(run(make_proc_line("99213", modifiers=("79",)), make_proc_line("20610"))) == 1


def test_lines_on_different_dates_are_not_paired(run, make_proc_line):
    day = date(2026, 3, 2)
    assert run(make_proc_line("29880", on=day), make_proc_line("29881", on=day + timedelta(days=1))) == []


def test_edits_apply_only_from_effective_through_deletion_date(run, make_proc_line):
    assert len(run(make_proc_line("29880", on=date(2015, 12, 31)), make_proc_line("29877", on=date(2015, 12, 31)))) == 1
    assert run(make_proc_line("29880", on=date(2016, 1, 1)), make_proc_line("29877", on=date(2016, 1, 1))) == []
    assert run(make_proc_line("20610", on=date(2020, 12, 31)), make_proc_line("99213", on=date(2020, 12, 31))) == []


def test_indicator_9_is_no_edit(run, make_proc_line):
    assert run(make_proc_line("97140", on=date(2020, 1, 1)), make_proc_line("97530", on=date(2020, 1, 1))) == []


def test_every_pair_is_checked_and_reported_once(run, make_proc_line):
    found = run(make_proc_line("29881"), make_proc_line("99213"), make_proc_line("29880"), make_proc_line("20610"))
    assert sorted(f.lines for f in found) == [(1, 3), (2, 4)]


def test_table_lookup_keeps_every_version_of_a_pair():
    table = NcciPtpTable([
        PtpEdit("A0001", "A0002", date(2010, 1, 1), date(2012, 12, 31), I.NOT_ALLOWED),
        PtpEdit("A0001", "A0002", date(2014, 1, 1), None, I.ALLOWED),
    ])
    assert len(table) == 2 and table.edit_for("A0002", "A0001", date(2015, 1, 1)) is None
    assert table.edit_for("A0001", "A0002", date(2011, 6, 1)).modifier_indicator == I.NOT_ALLOWED
    assert table.edit_for("A0001", "A0002", date(2013, 6, 1)) is None
    assert table.edit_for("A0001", "A0002", date(2015, 1, 1)).modifier_indicator == I.ALLOWED


def test_the_sample_edits_run_in_the_engine(sample_reference, make_codes, make_proc_line):
    report = EditEngine([NcciPtpEdits(sample_reference.ptp)]).run(
        make_codes(make_proc_line("99213"), make_proc_line("20610"), make_proc_line("93000"), make_proc_line("93005"))
    )
    assert [(f.edit_id, f.lines) for f in report.findings] == [
        ("ncci.ptp", (1, 2)), ("ncci.ptp.not_bypassable", (3, 4)),
    ]
    assert not report.clean
