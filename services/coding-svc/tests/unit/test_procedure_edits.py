"""Procedure code and modifier edits (family ``proc``) and the procedure code sets behind them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coding_svc.domain.codesets.procedures import (
    CatalogEntry, DuplicateCatalogEntry, HcpcsEntry, HcpcsLevel2, ModifierCatalog, NcciRole, ProcedureCatalog,
    cpt_category, procedure_format_problem,
)
from coding_svc.domain.edits.findings import Severity
from coding_svc.domain.edits.procedures import ProcedureEdits

CATALOG = ProcedureCatalog([
    CatalogEntry("99213", None, "Office visit, established, level 3", Decimal("110.00")),
    CatalogEntry("71046", "26", "Chest X-ray, reading only", Decimal("30.00")),
    CatalogEntry("99201", None, "Retired new-patient visit", Decimal("0"), active=False),
])


def ids(edits: ProcedureEdits, codes) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.edit_id for f in edits.check(codes)]


# ------------------------------------------------------------------------------------------------ code shapes
@pytest.mark.parametrize("code,category", [
    ("99213", "I"), ("0001A", "I"), ("0001F", "II"), ("0042T", "III"), ("0001U", "PLA"), ("0004M", "MAAA"),
    ("J1100", None), ("9921", None), ("0001X", None),
])
def test_cpt_categories_by_shape(code, category):
    assert cpt_category(code) == category


@pytest.mark.parametrize("code,system,ok", [
    ("99213", "CPT", True), ("0042T", "CPT", True), ("J1100", "HCPCS", True), ("G0439", "HCPCS", True),
    ("D0120", "HCPCS", False), ("9921", "CPT", False), ("J110", "HCPCS", False), ("99213", "HCPCS", False),
    ("J1100", "CPT", False), ("99213", "ICD", False), ("I1100", "HCPCS", False),
])
def test_format_by_code_system(code, system, ok):
    assert (procedure_format_problem(code, system) is None) is ok


def test_format_errors_are_reported_per_line(make_codes, make_proc_line):
    found = list(ProcedureEdits().check(make_codes(
        make_proc_line("99213"), make_proc_line("9921X", system="CPT"), make_proc_line("J1100", system="CPT"),
    )))
    assert [(f.edit_id, f.lines, f.severity) for f in found] == [
        ("proc.format", (2,), Severity.ERROR), ("proc.format", (3,), Severity.ERROR),
    ]
    assert "'9921X' is neither a CPT code" in found[0].message
    assert "shape of a HCPCS code but is marked CPT" in found[1].message


# ------------------------------------------------------------------------------------------------ modifiers
def test_modifier_catalog_holds_cpt_codes_without_text_and_level2_with_our_words():
    catalog = ModifierCatalog.builtin()
    assert catalog.get("25").level == "CPT" and catalog.get("25").description is None
    assert catalog.get("LT").level == "HCPCS" and catalog.get("LT").description == "left side"
    assert catalog.ncci_associated() >= {"59", "XE", "XS", "XP", "XU", "25", "24", "57", "58", "78", "79", "91", "27",
                                         "E1", "E4", "FA", "F9", "TA", "T9", "LT", "RT", "LC", "LD", "RC", "LM", "RI"}
    assert "GA" not in catalog.ncci_associated() and catalog.ncci_role("XS") == NcciRole.DISTINCT
    assert len(catalog) > 300


def test_unknown_duplicated_and_too_many_modifiers(make_codes, make_proc_line):
    found = list(ProcedureEdits().check(make_codes(
        make_proc_line("99213", modifiers=("25", "Q9", "ZZ")),
        make_proc_line("20610", modifiers=("RT", "RT")),
        make_proc_line("11042", modifiers=("59", "XS", "GA", "KX", "GY")),
        make_proc_line("93000", modifiers=("5",)),  # malformed: the line family reports it
    )))
    assert [(f.edit_id, f.lines) for f in found] == [
        ("proc.modifier_unknown", (1,)), ("proc.modifier_duplicate", (2,)), ("proc.modifier_count", (3,)),
    ]
    assert "modifier ZZ is not a CPT or HCPCS Level II modifier" in found[0].message


def test_modifier_dates_come_from_the_hcpcs_file_when_it_has_them(make_codes, make_proc_line, sample_reference):
    edits = ProcedureEdits(hcpcs=sample_reference.hcpcs)
    assert ids(edits, make_codes(make_proc_line("J1100", modifiers=("V8",), on=date(2011, 5, 1)))) == []
    [finding] = ProcedureEdits(hcpcs=sample_reference.hcpcs).check(
        make_codes(make_proc_line("J1100", modifiers=("V8",), on=date(2026, 3, 2))))
    assert finding.edit_id == "proc.modifier_unknown" and "terminated on 2012-03-31" in finding.message
    # Modifiers the sample file lacks still come from the built-in catalog.
    assert ids(edits, make_codes(make_proc_line("J1100", modifiers=("JW",)))) == []


# ------------------------------------------------------------------------------------------------ HCPCS code set
def test_hcpcs_codes_must_be_in_the_loaded_set_and_valid_on_the_date(make_codes, make_proc_line, sample_reference):
    edits = ProcedureEdits(hcpcs=sample_reference.hcpcs)
    found = list(edits.check(make_codes(
        make_proc_line("J1100"), make_proc_line("J9999"), make_proc_line("J0886"), make_proc_line("99213"),
    )))
    assert [(f.edit_id, f.lines) for f in found] == [("proc.hcpcs_unknown", (2,)), ("proc.hcpcs_unknown", (3,))]
    assert "J9999 is not in the HCPCS Level II code set" in found[0].message
    assert "J0886 was terminated on 2015-12-31" in found[1].message
    assert ids(edits, make_codes(make_proc_line("J0886", on=date(2015, 12, 31)))) == []


def test_a_code_added_after_the_date_of_service_is_not_valid_yet(make_codes, make_proc_line):
    hcpcs = HcpcsLevel2([HcpcsEntry("G9999", "New code", "A new code", date(2027, 1, 1), date(2027, 1, 1), None, "A")])
    [finding] = ProcedureEdits(hcpcs=hcpcs).check(make_codes(make_proc_line("G9999")))
    assert "only takes effect on 2027-01-01" in finding.message


def test_without_a_hcpcs_set_level2_codes_are_only_shape_checked(make_codes, make_proc_line):
    assert ids(ProcedureEdits(), make_codes(make_proc_line("J9999"))) == []


# ------------------------------------------------------------------------------------------------ tenant catalog
def test_cpt_codes_missing_or_inactive_in_the_catalog_are_warnings(make_codes, make_proc_line):
    found = list(ProcedureEdits(catalog=CATALOG).check(make_codes(
        make_proc_line("99213"), make_proc_line("99214"), make_proc_line("99201"),
        make_proc_line("71046", modifiers=("26",)), make_proc_line("J1100"),
    )))
    assert [(f.edit_id, f.severity, f.lines) for f in found] == [
        ("proc.not_in_catalog", Severity.WARNING, (2,)), ("proc.not_in_catalog", Severity.WARNING, (3,)),
    ]
    assert "does not list CPT code 99214" in found[0].message and "inactive" in found[1].message


def test_catalog_lookup_prefers_the_modifier_row_and_rejects_duplicates():
    assert CATALOG.entry("71046", ("26",)).default_charge == Decimal("30.00")
    assert CATALOG.entry("71046") is None and CATALOG.has_code("71046")
    with pytest.raises(DuplicateCatalogEntry):
        ProcedureCatalog([CatalogEntry("99213", None, "a", Decimal(1)), CatalogEntry("99213", None, "b", Decimal(2))])


def test_a_clean_line_has_no_findings(make_codes, make_proc_line, sample_reference):
    edits = ProcedureEdits(hcpcs=sample_reference.hcpcs, catalog=CATALOG)
    assert ids(edits, make_codes(make_proc_line("99213", modifiers=("25",)), make_proc_line("J1100", units="8"))) == []
