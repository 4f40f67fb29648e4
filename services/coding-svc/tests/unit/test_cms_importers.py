"""CMS reference file importers and the tenant catalog importer: the bundled samples, bad rows reported
with their line numbers (all or nothing), byte order marks, CRLF and Windows-1252 text."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from coding_svc.adapters.cms_files import (
    SAMPLE_HCPCS, SAMPLE_MUE, SAMPLE_PTP, ReferenceFileError, RowProblem, iter_ncci_ptp, load_hcpcs, load_mue,
    load_ncci_ptp, load_reference, load_sample_catalog, parse_procedure_catalog, sample_file,
)
from coding_svc.domain.edits.mue import MueAdjudication
from coding_svc.domain.edits.ncci_ptp import ModifierIndicator

PTP_HEADER = (
    "CPT codes only copyright American Medical Association.\n"
    "Column1/Column2 Edits\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\tModifier\tPTP Edit Rationale\n"
    "\t\t\t\t*=no data\t0=not allowed\t\n"
    "\t\t\t\t\t1=allowed\t\n"
)
MUE_HEADER = '"Copyright notice,\nsecond line of it",,,\n"HCPCS/\nCPT Code","Practitioner Services MUE Values",' \
             '"MUE Adjudication Indicator","MUE Rationale"\n'


def hcpcs_record(code: str, ric: str, long: str, short: str = "", *, added: str = "20200101",
                 effective: str = "20200101", terminated: str = "", seq: str = "00100") -> str:
    first = ric in "37"
    head = f"{code:>5}{seq}{ric}{long:<80}"
    if not first:
        return head
    return f"{head}{short:<28}".ljust(268) + f"{added:8}{effective:8}{terminated:8}N".ljust(52)


def problems_of(error: pytest.ExceptionInfo[ReferenceFileError]) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.field) for p in error.value.problems]


# ------------------------------------------------------------------------------------------------ bundled samples
def test_samples_load_into_the_domain_tables(sample_reference):
    ptp, mue, hcpcs = sample_reference.ptp, sample_reference.mue, sample_reference.hcpcs
    assert len(ptp) == 7 and len(mue) == 9 and len(hcpcs) == 6 and len(hcpcs.modifiers) == 6
    edit = ptp.edit_for("29880", "29877", date(2015, 6, 1))
    assert edit is not None and edit.deleted == date(2015, 12, 31)
    assert edit.modifier_indicator == ModifierIndicator.ALLOWED
    assert ptp.edit_for("93000", "93005", date(2026, 1, 1)).modifier_indicator == ModifierIndicator.NOT_ALLOWED
    limit = mue.limit("G0121")
    assert (limit.units, limit.rationale) == (1, "Anatomic Consideration")
    assert limit.adjudication == MueAdjudication.DAY_POLICY
    assert mue.limit("20610").adjudication == MueAdjudication.LINE


def test_hcpcs_sample_joins_continuation_lines_and_keeps_dates(sample_reference):
    hcpcs = sample_reference.hcpcs
    e0114 = hcpcs.code("E0114")
    assert e0114.long_description == (
        "Crutches underarm, other than wood, adjustable or fixed, pair, with pads, tips and handgrips"
    )
    assert e0114.short_description == "Crutch underarm pair no wood" and e0114.added == date(1986, 1, 1)
    j0886 = hcpcs.code("J0886")
    assert j0886.terminated == date(2015, 12, 31) and j0886.action_code == "D" and not j0886.valid_on(date(2016, 1, 1))
    assert hcpcs.modifier("XS").long_description.endswith("performed on a separate organ/structure")
    assert hcpcs.modifier("V8").terminated == date(2012, 3, 31)


def test_sample_files_say_they_are_samples():
    for name in (SAMPLE_PTP, SAMPLE_MUE):
        assert sample_file(name).read_text(encoding="utf-8").lstrip('"').startswith("SAMPLE ONLY")
    assert "SAMPLE" in sample_file("README.md").read_text(encoding="utf-8").splitlines()[0]


def test_sample_catalog_loads():
    catalog = load_sample_catalog()
    assert catalog.entry("71046", ("26",)).default_charge == Decimal("30.00")
    assert catalog.entry("99201").active is False


def test_load_reference_takes_ptp_parts(tmp_path):
    part1, part2 = tmp_path / "ccipra-f1.txt", tmp_path / "ccipra-f2.txt"
    part1.write_text(PTP_HEADER + "29880\t29881\t\t20060101\t*\t1\tStandards\n")
    part2.write_text(PTP_HEADER + "11042\t97597\t\t20080101\t20101231\t1\tMisuse\n")
    reference = load_reference([part1, part2], sample_file(SAMPLE_MUE), sample_file(SAMPLE_HCPCS))
    assert len(reference.ptp) == 2
    recent = load_reference([part1, part2], sample_file(SAMPLE_MUE), sample_file(SAMPLE_HCPCS),
                            active_since=date(2020, 1, 1))
    assert len(recent.ptp) == 1 and recent.ptp.edits("11042", "97597") == ()


# ------------------------------------------------------------------------------------------------ NCCI PTP
def test_ptp_bad_rows_are_all_reported_with_line_numbers_and_nothing_loads():
    text = PTP_HEADER + (
        "29880\t29881\t\t20060101\t*\t1\tStandards\n"  # line 6: fine
        "2988\t29881\t\t20060101\t*\t1\tx\n"  # line 7: short code
        "29880\t29877\t\t2006-01-01\t*\t1\tx\n"  # line 8: effective date
        "29880\t29876\t\t20060101\t20061301\t2\tx\n"  # line 9: deletion date and indicator
        "\n"
        "just some text\n"  # line 11: too few columns
    )
    with pytest.raises(ReferenceFileError) as error:
        load_ncci_ptp(io.StringIO(text))
    assert problems_of(error) == [
        (7, "column 1"), (8, "effective date"), (9, "deletion date"), (9, "modifier indicator"), (11, None),
    ]
    assert "line 8 (effective date): expected YYYYMMDD, found '2006-01-01'" in str(error.value)


def test_ptp_reads_bytes_with_bom_and_crlf():
    raw = ("\ufeff" + PTP_HEADER + "20610\t99213\t\t20210101\t*\t1\tMisuse\n").replace("\n", "\r\n").encode("utf-8")
    [edit] = list(iter_ncci_ptp(io.BytesIO(raw)))
    assert (edit.column1, edit.column2, edit.deleted, edit.rationale) == ("20610", "99213", None, "Misuse")


def test_ptp_file_without_header_starts_at_the_first_code_row():
    [edit] = list(iter_ncci_ptp(io.StringIO("copyright\n93000\t93005\t*\t19960101\t*\t0\t\n")))
    assert edit.modifier_indicator == ModifierIndicator.NOT_ALLOWED and edit.rationale == ""


def test_ptp_file_without_rows_is_an_error():
    with pytest.raises(ReferenceFileError, match="no edit rows"):
        load_ncci_ptp(io.StringIO(PTP_HEADER))


# ------------------------------------------------------------------------------------------------ MUE
def test_mue_reads_the_cms_csv_with_multiline_cells_bom_and_crlf():
    rows = '"J1100","120","3 Date of Service Edit: Clinical","Clinical: Data"\n20610,2,1 Line Edit,\n'
    text = "\ufeff" + MUE_HEADER + rows
    table = load_mue(io.BytesIO(text.replace("\n", "\r\n").encode("utf-8")))
    assert table.limit("J1100").units == 120 and table.limit("J1100").adjudication == MueAdjudication.DAY_CLINICAL
    assert table.limit("20610").adjudication == MueAdjudication.LINE and table.limit("20610").rationale == ""


def test_mue_bad_rows_are_all_reported_with_line_numbers():
    text = MUE_HEADER + (
        '"99213","1","2 Date of Service Edit: Policy","x"\n'  # line 5
        '"9921","1","2 Date of Service Edit: Policy","x"\n'  # line 6: code
        '"99214","one","2 Date of Service Edit: Policy","x"\n'  # line 7: value
        '"99215","1","4 Something","x"\n'  # line 8: MAI
        '"99213","2","2 Date of Service Edit: Policy","x"\n'  # line 9: duplicate
    )
    with pytest.raises(ReferenceFileError) as error:
        load_mue(io.StringIO(text))
    assert problems_of(error) == [
        (6, "HCPCS/CPT code"), (7, "MUE value"), (8, "MUE adjudication indicator"), (9, "HCPCS/CPT code"),
    ]
    assert "already given on line 5" in str(error.value)


def test_mue_without_header_is_an_error():
    with pytest.raises(ReferenceFileError, match="no header row"):
        load_mue(io.StringIO("99213,1,2,x\n"))


# ------------------------------------------------------------------------------------------------ HCPCS
def test_hcpcs_reads_crlf_and_bom_and_skips_cpt_records():
    lines = [
        hcpcs_record("   LT", "7", "Left side", "Left side"),
        hcpcs_record("99213", "3", "licensed text that must not be kept", "licensed"),
        hcpcs_record("99213", "4", "more licensed text", seq="00200"),
        hcpcs_record("J1100", "3", "Injection, dexamethasone sodium phosphate, 1 mg", "Dexamethasone sodium phos",
                     added="19820101", effective="20010101"),
        hcpcs_record("G0431", "3", "Drug screen, qualitative; multiple drug classes by high complexity test method",
                     "Drug screen multiple class", terminated="20151231"),
        hcpcs_record("G0431", "4", "(e.g., immunoassay, enzyme assay), per patient encounter", seq="00200"),
    ]
    raw = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    hcpcs = load_hcpcs(io.BytesIO(raw))
    assert sorted(hcpcs.codes) == ["G0431", "J1100"] and hcpcs.code("99213") is None
    g0431 = hcpcs.code("G0431")
    assert g0431.long_description.endswith("method (e.g., immunoassay, enzyme assay), per patient encounter")
    assert g0431.terminated == date(2015, 12, 31) and hcpcs.modifier("LT").short_description == "Left side"


def test_hcpcs_bad_records_are_all_reported():
    lines = [
        hcpcs_record("J1100", "3", "Injection", "Inj", added="1982O101"),  # line 1: bad added date
        hcpcs_record("J1110", "4", "continuation without its first line"),  # line 2
        hcpcs_record("J1120", "5", "unknown record type"),  # line 3
        hcpcs_record("XS   ", "7", "Separate structure", "Separate structure"),  # line 4: not 3 blanks + 2
        hcpcs_record("J1100", "3", "Injection again", "Inj"),  # line 5: duplicate
        hcpcs_record("#1100", "3", "Not a code", "No"),  # line 6
    ]
    with pytest.raises(ReferenceFileError) as error:
        load_hcpcs(io.StringIO("\n".join(lines)))
    assert problems_of(error) == [
        (1, "code added date"), (2, "HCPC"), (3, "record identification code"), (4, "HCPC"), (5, "HCPC"), (6, "HCPC"),
    ]


# ------------------------------------------------------------------------------------------------ tenant catalog
CATALOG_HEADER = "procedure_code,modifier,description,default_charge,active\n"


def test_catalog_reports_every_bad_row_with_line_and_field_and_loads_nothing():
    text = CATALOG_HEADER + (
        "99213,,Office visit L3,110.00,true\n"  # line 2: fine
        "9921,,Short code,10,true\n"  # line 3: procedure_code
        "99214,ZZ,Bad modifier,10,true\n"  # line 4: modifier
        "99215,,,10,true\n"  # line 5: description
        "20610,,Injection,-5,true\n"  # line 6: default_charge
        "20611,,Injection,5.001,maybe\n"  # line 7: default_charge and active
        "99213,,Office visit again,120,true\n"  # line 8: duplicate of line 2
    )
    with pytest.raises(ReferenceFileError) as error:
        parse_procedure_catalog(io.StringIO(text))
    assert problems_of(error) == [
        (3, "procedure_code"), (4, "modifier"), (5, "description"), (6, "default_charge"), (7, "default_charge"),
        (7, "active"), (8, "procedure_code"),
    ]
    assert "99213 is already on line 2" in str(error.value)


def test_catalog_header_must_name_the_columns():
    with pytest.raises(ReferenceFileError) as error:
        parse_procedure_catalog(io.StringIO("code,modifier,description,charge,active\n99213,,x,1,true\n"))
    [problem] = error.value.problems
    assert problem == RowProblem(1, "header", problem.reason)
    assert "missing procedure_code, default_charge" in problem.reason and "unknown 'code', 'charge'" in problem.reason


def test_catalog_reads_bom_crlf_windows_1252_and_any_column_order():
    text = "\ufeffactive,default_charge,description,modifier,procedure_code\r\n"
    text += 'yes,"$1,250.00",Caf\xe9 visit,,99213\r\n'
    raw = text.encode("utf-8")[:3] + text[1:].encode("cp1252")  # a BOM, then Windows-1252 text
    catalog = parse_procedure_catalog(io.BytesIO(raw))
    entry = catalog.entry("99213")
    assert (entry.description, entry.default_charge, entry.active) == ("Caf\xe9 visit", Decimal("1250.00"), True)


def test_empty_catalog_file_is_an_error():
    with pytest.raises(ReferenceFileError, match="empty file"):
        parse_procedure_catalog(io.StringIO(""))


def test_error_lists_the_first_problems_and_counts_the_rest():
    text = PTP_HEADER + "X\tY\t\t2006\t*\t1\tr\n" * 300  # three problems a row
    with pytest.raises(ReferenceFileError) as error:
        load_ncci_ptp(io.StringIO(text))
    assert error.value.total == 900 and len(error.value.problems) == 200
    assert str(error.value).endswith("and 880 more")
