"""A coding audit: a released encounter drawn for review, coded blind by an auditor, then compared.

Blind means the auditor sees the documentation but not the coder's codes until their own are in.
Pure domain code: no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from coding_svc.domain.accuracy import Comparison, compare, selected_for_audit
from coding_svc.domain.encounter import CodeSet, Release, WorkflowError


class AuditStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"


class AuditAlreadyCompleted(WorkflowError):
    slug = "audit-already-completed"
    title = "The audit is already completed"

    def __init__(self, audit: "CodingAudit") -> None:
        super().__init__("This audit already has the auditor's codes; its result is final.", audit_id=str(audit.id))


class AuditOfOwnWork(WorkflowError):
    slug = "audit-of-own-work"
    title = "Coders cannot audit their own releases"

    def __init__(self, audit: "CodingAudit") -> None:
        super().__init__("This release is your own coding; another auditor must review it.", audit_id=str(audit.id))


@dataclass
class CodingAudit:
    id: uuid.UUID
    tenant_id: str
    encounter_id: uuid.UUID
    revision: int
    coder: str
    released_at: datetime
    selected_at: datetime
    coder_codes: CodeSet
    status: AuditStatus = AuditStatus.PENDING
    auditor: str | None = None
    audited_at: datetime | None = None
    auditor_codes: CodeSet | None = None

    @classmethod
    def draw(cls, tenant_id: str, encounter_id: uuid.UUID, release: Release, percent: Decimal) -> "CodingAudit | None":
        """The audit of a coder's release when the sample draws it; auto-releases are not coders' work."""
        if release.coder is None or not selected_for_audit(tenant_id, str(encounter_id), release.revision, percent):
            return None
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, encounter_id=encounter_id, revision=release.revision,
            coder=release.coder, released_at=release.released_at, selected_at=release.released_at,
            coder_codes=release.codes,
        )

    def complete(self, auditor: str, codes: CodeSet, now: datetime) -> Comparison:
        if self.status == AuditStatus.COMPLETED:
            raise AuditAlreadyCompleted(self)
        if auditor == self.coder:
            raise AuditOfOwnWork(self)
        self.status, self.auditor, self.audited_at, self.auditor_codes = AuditStatus.COMPLETED, auditor, now, codes
        return compare(self.coder_codes, codes)

    @property
    def comparison(self) -> Comparison | None:
        return None if self.auditor_codes is None else compare(self.coder_codes, self.auditor_codes)
