"""The coding work queues and what a coder sees of each waiting encounter.

Three queues, one per status: ``coding`` (awaiting coding: no codes yet, or codes that failed an
edit or wait for a coder because the tenant does not auto-release), ``rework`` (reopened by a coding
denial) and ``query_pending`` (waiting for a provider's answer). Each is worked in the order of the
payer's timely-filing deadline, then of age (oldest received first).

Pure domain code: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from coding_svc.domain.edits.findings import CodesUnderEdit
from coding_svc.domain.encounter import CodeSet, Encounter, EncounterStatus


class WorkQueue(StrEnum):
    CODING = "coding"
    REWORK = "rework"
    QUERY_PENDING = "query_pending"

    @property
    def status(self) -> EncounterStatus:
        return _STATUS_OF[self]


_STATUS_OF = {
    WorkQueue.CODING: EncounterStatus.AWAITING_CODING,
    WorkQueue.REWORK: EncounterStatus.REWORK,
    WorkQueue.QUERY_PENDING: EncounterStatus.QUERY_PENDING,
}


def codes_under_edit(encounter: Encounter, codes: CodeSet | None = None) -> CodesUnderEdit:
    """What the edits look at: ``codes`` (default: the working codes) in the encounter's context."""
    chosen = codes if codes is not None else encounter.codes
    doc = encounter.document
    return CodesUnderEdit(
        diagnoses=chosen.diagnoses, lines=chosen.lines, service_date_from=doc.service_date_from,
        service_date_to=doc.service_date_to, patient_sex=doc.patient.sex,
        patient_date_of_birth=doc.patient.date_of_birth,
    )


@dataclass(frozen=True)
class QueueItem:
    """One waiting encounter as the queue shows it."""

    encounter: Encounter
    now: datetime

    @property
    def filing_deadline(self) -> date | None:
        return self.encounter.filing_deadline

    @property
    def days_left(self) -> int | None:
        """Days until the filing deadline (negative once it has passed)."""
        deadline = self.encounter.filing_deadline
        return (deadline - self.now.date()).days if deadline else None

    @property
    def age_days(self) -> int:
        received = self.encounter.received_at
        return max((self.now - received).days, 0) if received else 0

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.encounter.findings if f.blocks_release)

    @property
    def warning_count(self) -> int:
        return len(self.encounter.findings) - self.error_count

    @property
    def rework_reason(self) -> dict[str, Any] | None:
        """The latest denial reason still to answer (rework only)."""
        reasons = self.encounter.open_rework_reasons
        return reasons[-1] if reasons else None
