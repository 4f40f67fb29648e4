"""Fixtures for the pure unit tests of coding-svc."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from coding_svc.adapters.cms_files import ReferenceData, load_sample_reference
from coding_svc.adapters.icd10cm_loader import load_icd10cm
from coding_svc.domain.codesets.icd10cm import ICD10CMCodeSet
from coding_svc.domain.edits.findings import CodesUnderEdit, EditFamily, Finding
from coding_svc.domain.encounter import ProcedureLine
from openrcm_shared.identifiers import procedure_code_system


@pytest.fixture(scope="session")
def icd10cm() -> ICD10CMCodeSet:
    """The real FY2026 ICD-10-CM code set, built once per test session (~1-2 s)."""
    return load_icd10cm()


# ------------------------------------------------------------------------------------------------ procedure edits
PROC_DOS = date(2026, 3, 2)


@pytest.fixture
def make_proc_line() -> Callable[..., ProcedureLine]:
    """A procedure line; the code system follows the code's shape unless ``system`` is given."""

    def _make(
        code: str, *, modifiers: tuple[str, ...] = (), units: str = "1", on: date = PROC_DOS,
        system: str | None = None, pointers: tuple[int, ...] = (1,),
    ) -> ProcedureLine:
        return ProcedureLine(
            procedure_code=code, code_system=system or procedure_code_system(code) or "CPT", modifiers=modifiers,
            units=Decimal(units), diagnosis_pointers=pointers, service_date=on, charge=Decimal("100"),
        )

    return _make


@pytest.fixture
def make_codes() -> Callable[..., CodesUnderEdit]:
    """The code set under edit for some lines; its dates of service span the lines' dates."""

    def _make(*lines: ProcedureLine, diagnoses: tuple[str, ...] = ("M17.11",)) -> CodesUnderEdit:
        days = [line.service_date for line in lines] or [PROC_DOS]
        return CodesUnderEdit(diagnoses=diagnoses, lines=lines, service_date_from=min(days), service_date_to=max(days))

    return _make


@pytest.fixture
def findings_of(make_codes: Callable[..., CodesUnderEdit]) -> Callable[..., list[Finding]]:
    """What one edit family finds on some lines: ``findings_of(family, line, line, ...)``."""

    def _check(family: EditFamily, *lines: ProcedureLine) -> list[Finding]:
        return list(family.check(make_codes(*lines)))

    return _check


@pytest.fixture(scope="session")
def sample_reference() -> ReferenceData:
    """The bundled SAMPLE CMS files (HCPCS rows real, PTP/MUE rows illustrative), loaded once."""
    return load_sample_reference()
