"""What every coding edit family returns: findings a coder can act on.

An edit family is a small object or function ``(CodesUnderEdit) -> Iterable[Finding]`` bound to its
reference data (the ICD-10-CM tables, the NCCI PTP pairs, the MUE limits). The engine runs the
families and orders the findings; an ``error`` blocks release, a ``warning`` does not.

Pure domain code: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from coding_svc.domain.encounter import ProcedureLine


class Severity(StrEnum):
    ERROR = "error"  # blocks release
    WARNING = "warning"  # shown to the coder, release allowed


@dataclass(frozen=True)
class Finding:
    """One problem with the codes: which edit, how bad, what is wrong and how to fix it.

    ``edit_id`` is stable and namespaced by family (``ncci.ptp``, ``mue.line``, ``dx.excludes1``,
    ``line.pointer`` ...), so clients and reports can count and filter by it. ``lines`` are 1-based
    service line numbers and ``diagnoses`` the codes involved, so a UI can point at them.
    """

    edit_id: str
    severity: Severity
    message: str
    suggested_fix: str
    lines: tuple[int, ...] = ()
    diagnoses: tuple[str, ...] = ()

    @property
    def blocks_release(self) -> bool:
        return self.severity == Severity.ERROR


@dataclass(frozen=True)
class CodesUnderEdit:
    """The code set an edit run looks at: diagnoses in order (the first is first-listed), the service
    lines, the encounter's dates of service, and patient facts some edits need."""

    diagnoses: tuple[str, ...]
    lines: tuple[ProcedureLine, ...]
    service_date_from: date
    service_date_to: date
    patient_sex: str | None = None
    patient_date_of_birth: date | None = None


class EditFamily(Protocol):
    """One family of edits (one module each), bound to its reference data."""

    family: str

    def check(self, codes: CodesUnderEdit) -> Iterable[Finding]: ...
