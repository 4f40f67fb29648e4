"""Importers for the CMS reference files behind the procedure edits, and for a tenant's procedure catalog.

- NCCI PTP practitioner edits: the tab-delimited text files inside CMS's quarterly zip (a few
  copyright/header lines, then Column 1, Column 2, "*=in existence prior to 1996", Effective Date
  YYYYMMDD, Deletion Date ("*" = none), Modifier indicator 0/1/9, PTP Edit Rationale). CMS ships the
  table in several parts; ``load_ncci_ptp`` takes them all.
- MUE practitioner table: the CSV as CMS ships it (a quoted, multi-line copyright cell first, then the
  header "HCPCS/CPT Code", "Practitioner Services MUE Values", "MUE Adjudication Indicator",
  "MUE Rationale"; the indicator cell reads e.g. "2 Date of Service Edit: Policy").
- HCPCS Level II annual file: CMS's fixed-width "record layout" text (320-character records; HCPC code
  1-5, sequence number 6-10, record identification code 11 (3 = first line of a procedure, 4 = its
  continuation, 7 = first line of a modifier, 8 = its continuation), long description 12-91, short
  description 92-119, code added date 269-276, action effective date 277-284, termination date
  285-292, action code 293). Numeric (CPT) records, if a file has them, are skipped: CPT text is the
  AMA's and is never loaded.
- A tenant's procedure catalog: CSV with the header procedure_code, modifier, description,
  default_charge, active.

Every parser reads its input line by line, accepts a UTF-8 byte order mark, CRLF line ends and
Windows-1252 text, and is all-or-nothing: it reports every bad row (line number, field, reason) in one
``ReferenceFileError`` instead of loading part of a file.
"""

from __future__ import annotations

import csv
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import IO

from coding_svc.domain.codesets.procedures import (
    CatalogEntry, HcpcsEntry, HcpcsLevel2, ModifierCatalog, ProcedureCatalog,
)
from coding_svc.domain.edits.mue import MueAdjudication, MueLimit, MueTable
from coding_svc.domain.edits.ncci_ptp import ModifierIndicator, NcciPtpTable, PtpEdit
from openrcm_shared.identifiers import modifier_format_is_valid, procedure_code_system

Source = str | os.PathLike[str] | Traversable | IO[bytes] | IO[str] | Iterable[str]

MAX_REPORTED = 200  # bad rows listed in one error; the count says how many more there were
_REFERENCE_CODE = re.compile(r"^[0-9A-Z]{5}$")  # codes in CMS edit files: CPT, HCPCS, Category III, PLA ...
_LEVEL2_CODE = re.compile(r"^[A-Z]\d{4}$")
_YYYYMMDD = re.compile(r"^\d{8}$")


# ------------------------------------------------------------------------------------------------ errors
@dataclass(frozen=True)
class RowProblem:
    line: int | None  # 1-based line of the file; None for the file as a whole
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = "file" if self.line is None else f"line {self.line}"
        return f"{where}{f' ({self.field})' if self.field else ''}: {self.reason}"


class ReferenceFileError(ValueError):
    """A reference file did not load: every bad row found, with its line number and reason."""

    def __init__(self, name: str, problems: Sequence[RowProblem], total: int | None = None) -> None:
        self.name = name
        self.problems = tuple(problems)
        self.total = total if total is not None else len(self.problems)
        listed = "; ".join(str(p) for p in self.problems[:20])
        more = self.total - min(20, len(self.problems))
        tail = f"; and {more} more" if more else ""
        super().__init__(f"{name}: {self.total} problem(s), nothing loaded: {listed}{tail}")


@dataclass
class _Problems:
    name: str
    found: list[RowProblem] = field(default_factory=list)
    total: int = 0

    def add(self, line: int | None, field_name: str | None, reason: str) -> None:
        self.total += 1
        if len(self.found) < MAX_REPORTED:
            self.found.append(RowProblem(line, field_name, reason))

    def raise_if_any(self) -> None:
        if self.total:
            raise ReferenceFileError(self.name, self.found, self.total)


# ------------------------------------------------------------------------------------------------ reading text
def _name(source: Source) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    return str(getattr(source, "name", type(source).__name__))


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # CMS and spreadsheet exports are often Windows-1252


def _raw_lines(source: Source) -> Iterator[bytes | str]:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            yield from handle
    elif isinstance(source, Traversable):
        with source.open("rb") as handle:
            yield from handle
    else:
        yield from source


def _text_lines(source: Source) -> Iterator[str]:
    """Decoded lines ending in a bare "\\n" (CRLF folded), the first without a byte order mark."""
    first = True
    for raw in _raw_lines(source):
        text = _decode(raw)
        if first:
            text, first = text.removeprefix("\ufeff"), False
        yield text.rstrip("\r\n") + "\n"


@lru_cache(maxsize=8192)
def _date(text: str) -> date | None:
    """YYYYMMDD as a date (cached: edit files repeat a few hundred dates over a million rows)."""
    if not _YYYYMMDD.match(text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------------ NCCI PTP
def iter_ncci_ptp(source: Source, *, name: str | None = None) -> Iterator[PtpEdit]:
    """The edits of one CMS practitioner PTP file part, streamed; raises ``ReferenceFileError`` at the end
    if any row was bad (callers build their table only from a complete pass)."""
    problems = _Problems(name or _name(source))
    header_seen = data_started = False
    for number, text in enumerate(_text_lines(source), start=1):
        line = text.rstrip("\n")
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t")]
        if not data_started:
            if "column 1" in line.lower():
                header_seen = True
                continue
            if (header_seen and not fields[0]) or (not header_seen and not _REFERENCE_CODE.match(fields[0])):
                continue  # copyright lines, the header and its continuation lines
            data_started = True
        edit = _ptp_row(fields, number, problems)
        if edit is not None:
            yield edit
    if not data_started:
        problems.add(None, None, "no edit rows found (is this a CMS NCCI PTP file?)")
    problems.raise_if_any()


def _ptp_row(fields: list[str], number: int, problems: _Problems) -> PtpEdit | None:
    if len(fields) < 6:
        problems.add(number, None, f"expected 7 tab-separated columns (rationale may be blank), found {len(fields)}")
        return None
    column1, column2, prior_1996, effective_text, deleted_text, indicator_text = (f.upper() for f in fields[:6])
    bad = problems.total
    for label, code in (("column 1", column1), ("column 2", column2)):
        if not _REFERENCE_CODE.match(code):
            problems.add(number, label, f"{code!r} is not a procedure code")
    if prior_1996 not in ("", "*"):
        problems.add(number, "in existence prior to 1996", f"expected '*' or blank, found {prior_1996!r}")
    effective = _date(effective_text)
    if effective is None:
        problems.add(number, "effective date", f"expected YYYYMMDD, found {effective_text!r}")
    deleted = None if deleted_text in ("", "*") else _date(deleted_text)
    if deleted is None and deleted_text not in ("", "*"):
        problems.add(number, "deletion date", f"expected YYYYMMDD or '*', found {deleted_text!r}")
    if indicator_text not in ("0", "1", "9"):
        problems.add(number, "modifier indicator", f"expected 0, 1 or 9, found {indicator_text!r}")
    if problems.total != bad or effective is None:
        return None
    rationale = fields[6] if len(fields) > 6 else ""
    # Interned: a release repeats a few thousand codes and a few dozen rationales over a million rows.
    return PtpEdit(
        sys.intern(column1), sys.intern(column2), effective, deleted, ModifierIndicator(int(indicator_text)),
        sys.intern(rationale),
    )


def load_ncci_ptp(*sources: Source, active_since: date | None = None) -> NcciPtpTable:
    """One table from all parts of a PTP release. ``active_since`` drops edits deleted before that date
    (claims older than it will not be checked), which keeps the table small."""
    edits = (
        edit for source in sources for edit in iter_ncci_ptp(source)
        if active_since is None or edit.deleted is None or edit.deleted >= active_since
    )
    return NcciPtpTable(edits)


# ------------------------------------------------------------------------------------------------ MUE
def _squash(cell: str) -> str:
    return re.sub(r"\s+", "", cell).lower()


def _mue_columns(cells: list[str]) -> dict[str, int] | None:
    squashed = [_squash(c) for c in cells]
    found: dict[str, int] = {}
    for index, cell in enumerate(squashed):
        if cell.startswith("hcpcs") and cell.endswith("code"):
            found.setdefault("code", index)
        elif "muevalue" in cell:
            found.setdefault("units", index)
        elif "adjudicationindicator" in cell:
            found.setdefault("mai", index)
        elif "rationale" in cell:
            found.setdefault("rationale", index)
    return found if {"code", "units", "mai"} <= found.keys() else None


def iter_mue(source: Source, *, name: str | None = None) -> Iterator[MueLimit]:
    """The limits of a CMS MUE table (practitioner, or another setting with the same columns)."""
    problems = _Problems(name or _name(source))
    reader = csv.reader(_text_lines(source))
    columns: dict[str, int] | None = None
    seen: dict[str, int] = {}
    for row in reader:
        number = reader.line_num
        cells = [c.strip() for c in row]
        if columns is None:
            columns = _mue_columns(cells)
            continue  # preamble rows, then the header itself
        if not any(cells):
            continue
        limit = _mue_row(cells, columns, number, problems)
        if limit is None:
            continue
        if limit.code in seen:
            problems.add(number, "HCPCS/CPT code", f"{limit.code} already given on line {seen[limit.code]}")
            continue
        seen[limit.code] = number
        yield limit
    if columns is None:
        problems.add(None, None, "no header row with 'HCPCS/CPT Code', 'MUE Values' and 'MUE Adjudication Indicator'")
    elif not seen and not problems.total:
        problems.add(None, None, "no MUE rows found")
    problems.raise_if_any()


def _mue_row(cells: list[str], columns: dict[str, int], number: int, problems: _Problems) -> MueLimit | None:
    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    bad = problems.total
    code = cell("code").upper()
    if not _REFERENCE_CODE.match(code):
        problems.add(number, "HCPCS/CPT code", f"{code!r} is not a procedure code")
    units_text = cell("units")
    if not units_text.isdigit():
        problems.add(number, "MUE value", f"expected a whole number of units, found {units_text!r}")
    mai_text = cell("mai")
    if mai_text[:1] not in ("1", "2", "3") or (len(mai_text) > 1 and mai_text[1].isdigit()):
        problems.add(number, "MUE adjudication indicator", f"expected 1, 2 or 3, found {mai_text!r}")
    if problems.total != bad:
        return None
    return MueLimit(code, int(units_text), MueAdjudication(int(mai_text[0])), cell("rationale"))


def load_mue(source: Source) -> MueTable:
    return MueTable(iter_mue(source))


# ------------------------------------------------------------------------------------------------ HCPCS Level II
RECORD_LENGTH = 320
_FIRST_LINES = {"3": "code", "7": "modifier"}
_CONTINUATIONS = {"4": "code", "8": "modifier"}


@dataclass
class _Pending:
    kind: str  # "code" or "modifier"
    code: str
    short: str
    long: list[str]
    added: date | None
    action_effective: date | None
    terminated: date | None
    action: str
    keep: bool = True  # False for CPT records: their text is the AMA's and is never kept

    def entry(self) -> HcpcsEntry:
        return HcpcsEntry(
            self.code, self.short, " ".join(self.long), self.added, self.action_effective, self.terminated,
            self.action,
        )


def iter_hcpcs(source: Source, *, name: str | None = None) -> Iterator[tuple[str, HcpcsEntry]]:
    """("code" | "modifier", entry) for each record of the CMS HCPCS annual file, continuation lines
    joined to their first line. CPT (numeric) records are skipped."""
    problems = _Problems(name or _name(source))
    pending: _Pending | None = None
    seen: dict[tuple[str, str], int] = {}
    for number, text in enumerate(_text_lines(source), start=1):
        line = text.rstrip("\n")
        if not line.strip():
            continue
        record = line.ljust(RECORD_LENGTH)
        ric, long_text = record[10], record[11:91].strip()
        kind = _FIRST_LINES.get(ric) or _CONTINUATIONS.get(ric)
        if kind is None:
            problems.add(number, "record identification code", f"expected 3, 4, 7 or 8, found {ric!r}")
            continue
        if not record[5:10].isdigit():
            problems.add(number, "sequence number", f"expected 5 digits, found {record[5:10]!r}")
        code = _hcpcs_code(kind, record[:5], number, problems)
        if code is None:
            continue
        if ric in _CONTINUATIONS:
            if pending is None or (pending.kind, pending.code) != (kind, code):
                problems.add(number, "HCPC", f"continuation line for {code} does not follow its first line")
            elif pending.keep:
                pending.long.append(long_text)
            continue
        if pending is not None and pending.keep:
            yield pending.kind, pending.entry()
        pending = None
        if (kind, code) in seen:
            problems.add(number, "HCPC", f"{code} already given on line {seen[(kind, code)]}")
            continue
        seen[(kind, code)] = number
        pending = _first_line(kind, code, record, long_text, number, problems)
    if pending is not None and pending.keep:
        yield pending.kind, pending.entry()
    if not seen and not problems.total:
        problems.add(None, None, "no HCPCS records found")
    problems.raise_if_any()


def _hcpcs_code(kind: str, raw_code: str, number: int, problems: _Problems) -> str | None:
    if kind == "modifier":
        modifier = raw_code[3:].strip()
        if raw_code[:3].strip() or not modifier_format_is_valid(modifier):
            problems.add(number, "HCPC", f"{raw_code!r} is not a modifier record (3 blanks and 2 characters)")
            return None
        return modifier
    code = raw_code.strip()
    if not (_LEVEL2_CODE.match(code) or procedure_code_system(code)):
        problems.add(number, "HCPC", f"{raw_code!r} is not a HCPCS code")
        return None
    return code


def _first_line(kind: str, code: str, record: str, long_text: str, number: int, problems: _Problems) -> _Pending:
    dates: dict[str, date | None] = {}
    for label, start in (("code added date", 268), ("action effective date", 276), ("termination date", 284)):
        text = record[start:start + 8].strip()
        dates[label] = _date(text) if text else None
        if text and dates[label] is None:
            problems.add(number, label, f"expected YYYYMMDD, found {text!r}")
    if kind == "code" and not code[0].isalpha():
        return _Pending(kind, code, "", [], None, None, None, "", keep=False)
    return _Pending(
        kind, code, record[91:119].strip(), [long_text], dates["code added date"], dates["action effective date"],
        dates["termination date"], record[292].strip(),
    )


def load_hcpcs(source: Source) -> HcpcsLevel2:
    codes: list[HcpcsEntry] = []
    modifiers: list[HcpcsEntry] = []
    for kind, entry in iter_hcpcs(source):
        (modifiers if kind == "modifier" else codes).append(entry)
    return HcpcsLevel2(codes, modifiers)


# ------------------------------------------------------------------------------------------------ tenant catalog
CATALOG_COLUMNS = ("procedure_code", "modifier", "description", "default_charge", "active")
_TRUE, _FALSE = {"true", "yes", "y", "1", "active"}, {"false", "no", "n", "0", "inactive"}
MAX_DESCRIPTION = 200


def parse_procedure_catalog(source: Source, *, modifiers: ModifierCatalog | None = None) -> ProcedureCatalog:
    """A tenant's procedure catalog from CSV; every bad row is reported and nothing loads if one is bad."""
    known_modifiers = modifiers or ModifierCatalog.builtin()
    problems = _Problems(_name(source))
    reader = csv.reader(_text_lines(source))
    header: dict[str, int] | None = None
    entries: list[CatalogEntry] = []
    seen: dict[tuple[str, str | None], int] = {}
    for row in reader:
        number = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if header is None:
            header = _catalog_header(cells, number, problems)
            if header is None:
                break
            continue
        entry = _catalog_row(cells, header, number, problems, known_modifiers)
        if entry is None:
            continue
        key = (entry.procedure_code, entry.modifier)
        if key in seen:
            label = f"{entry.procedure_code}{'-' + entry.modifier if entry.modifier else ''}"
            problems.add(number, "procedure_code", f"{label} is already on line {seen[key]}")
            continue
        seen[key] = number
        entries.append(entry)
    if header is None and not problems.total:
        problems.add(None, None, f"empty file; expected the header {','.join(CATALOG_COLUMNS)}")
    problems.raise_if_any()
    return ProcedureCatalog(entries)


def _catalog_header(cells: list[str], number: int, problems: _Problems) -> dict[str, int] | None:
    names = [c.lower() for c in cells]
    missing = [c for c in CATALOG_COLUMNS if c not in names]
    unknown = [c for c in names if c not in CATALOG_COLUMNS]
    if missing or unknown:
        reason = f"expected the header {','.join(CATALOG_COLUMNS)}"
        if missing:
            reason += f"; missing {', '.join(missing)}"
        if unknown:
            reason += f"; unknown {', '.join(repr(u) for u in unknown)}"
        problems.add(number, "header", reason)
        return None
    return {name: names.index(name) for name in CATALOG_COLUMNS}


def _catalog_row(
    cells: list[str], header: dict[str, int], number: int, problems: _Problems, known: ModifierCatalog,
) -> CatalogEntry | None:
    def cell(column: str) -> str:
        index = header[column]
        return cells[index] if index < len(cells) else ""

    bad = problems.total
    code = cell("procedure_code").upper()
    if procedure_code_system(code) is None:
        problems.add(number, "procedure_code", f"{code!r} is not a CPT or HCPCS Level II code")
    modifier = cell("modifier").upper() or None
    if modifier is not None and (not modifier_format_is_valid(modifier) or modifier not in known):
        problems.add(number, "modifier", f"{modifier!r} is not a known modifier")
    description = cell("description")
    if not description:
        problems.add(number, "description", "is empty")
    elif len(description) > MAX_DESCRIPTION:
        problems.add(number, "description", f"is longer than {MAX_DESCRIPTION} characters")
    charge = _charge(cell("default_charge"))
    if charge is None:
        problems.add(number, "default_charge", f"expected an amount like 125.00, found {cell('default_charge')!r}")
    active_text = cell("active").lower()
    if active_text not in _TRUE | _FALSE:
        problems.add(number, "active", f"expected true or false, found {cell('active')!r}")
    if problems.total != bad or charge is None:
        return None
    return CatalogEntry(code, modifier, description, charge, active_text in _TRUE)


def _charge(text: str) -> Decimal | None:
    cleaned = text.removeprefix("$").replace(",", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return amount


# ------------------------------------------------------------------------------------------------ loaders
@dataclass(frozen=True)
class ReferenceData:
    """The CMS tables the procedure edits run on."""

    ptp: NcciPtpTable
    mue: MueTable
    hcpcs: HcpcsLevel2


PathLike = str | os.PathLike[str] | Traversable


def load_reference(
    ptp_path: PathLike | Sequence[PathLike], mue_path: PathLike, hcpcs_path: PathLike,
    *, active_since: date | None = None,
) -> ReferenceData:
    """Load a CMS release: the PTP file (or its parts), the MUE table and the HCPCS annual file."""
    parts = [ptp_path] if isinstance(ptp_path, (str, os.PathLike, Traversable)) else list(ptp_path)
    return ReferenceData(load_ncci_ptp(*parts, active_since=active_since), load_mue(mue_path), load_hcpcs(hcpcs_path))


SAMPLE_PTP = "ncci_ptp_practitioner_SAMPLE.txt"
SAMPLE_MUE = "mue_practitioner_SAMPLE.csv"
SAMPLE_HCPCS = "hcpcs_level2_SAMPLE.txt"
SAMPLE_CATALOG = "procedure_catalog_SAMPLE.csv"


def sample_file(name: str) -> Traversable:
    """A bundled sample file (SAMPLES ONLY: a handful of rows in the CMS layouts, see its README)."""
    return files("coding_svc.reference").joinpath("samples", name)


def load_sample_reference() -> ReferenceData:
    return load_reference(sample_file(SAMPLE_PTP), sample_file(SAMPLE_MUE), sample_file(SAMPLE_HCPCS))


def load_sample_catalog() -> ProcedureCatalog:
    return parse_procedure_catalog(sample_file(SAMPLE_CATALOG))
