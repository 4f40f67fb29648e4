"""API shapes of coding audits and the coding-quality report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from coding_svc.domain.accuracy import CoderQuality, CodingError, Comparison
from coding_svc.domain.coding_audit import AuditStatus, CodingAudit
from coding_svc.domain.encounter import CodeSet, Encounter, ProcedureLine


class AuditCodesOut(BaseModel):
    diagnoses: list[str]
    service_lines: list[ProcedureLine]

    @classmethod
    def of(cls, codes: CodeSet) -> "AuditCodesOut":
        return cls(diagnoses=list(codes.diagnoses), service_lines=list(codes.lines))


class DiscrepancyOut(BaseModel):
    error: CodingError
    coder_code: str | None
    auditor_code: str | None
    detail: str


class ComparisonOut(BaseModel):
    exact: bool
    matched_codes: int
    coder_codes: int
    auditor_codes: int
    errors: dict[CodingError, int]
    discrepancies: list[DiscrepancyOut]

    @classmethod
    def of(cls, comparison: Comparison) -> "ComparisonOut":
        return cls(
            exact=comparison.is_exact, matched_codes=comparison.matched_codes, coder_codes=comparison.coder_codes,
            auditor_codes=comparison.auditor_codes, errors=dict(comparison.error_counts()),
            discrepancies=[DiscrepancyOut(error=d.error, coder_code=d.coder_code, auditor_code=d.auditor_code,
                                          detail=d.detail) for d in comparison.discrepancies],
        )


class AuditSummaryOut(BaseModel):
    audit_id: uuid.UUID
    encounter_id: uuid.UUID
    revision: int
    coder: str
    released_at: datetime
    selected_at: datetime
    status: AuditStatus
    auditor: str | None
    audited_at: datetime | None

    @classmethod
    def of(cls, audit: CodingAudit) -> "AuditSummaryOut":
        return cls(
            audit_id=audit.id, encounter_id=audit.encounter_id, revision=audit.revision, coder=audit.coder,
            released_at=audit.released_at, selected_at=audit.selected_at, status=audit.status,
            auditor=audit.auditor, audited_at=audit.audited_at,
        )


class AuditOut(AuditSummaryOut):
    """Blind while pending: the documentation without anyone's codes. Once the auditor's codes are in,
    both code sets and the comparison."""

    documentation: dict[str, Any] = Field(
        description="The encounter as the EHR sent it (demographics, providers, dates, clinical notes), "
        "without the provider-entered codes."
    )
    coder_codes: AuditCodesOut | None = None
    auditor_codes: AuditCodesOut | None = None
    result: ComparisonOut | None = None

    @classmethod
    def of_audit(cls, audit: CodingAudit, encounter: Encounter) -> "AuditOut":
        completed = audit.status == AuditStatus.COMPLETED and audit.auditor_codes is not None
        comparison = audit.comparison if completed else None
        return cls(
            **AuditSummaryOut.of(audit).model_dump(),
            documentation=encounter.document.model_dump(mode="json", exclude={"diagnoses", "lines"}),
            coder_codes=AuditCodesOut.of(audit.coder_codes) if completed else None,
            auditor_codes=AuditCodesOut.of(audit.auditor_codes) if completed and audit.auditor_codes else None,
            result=ComparisonOut.of(comparison) if comparison else None,
        )


class CoderQualityOut(BaseModel):
    coder: str
    encounters_released: int
    hours_worked: Decimal = Field(description="Sum of claim-to-release times of the coder's releases.")
    encounters_per_hour: Decimal | None
    encounters_audited: int
    encounters_exact: int
    precision: Decimal | None = Field(description="Codes both chose / codes the coder chose (audited releases).")
    recall: Decimal | None = Field(description="Codes both chose / codes the auditor chose.")
    errors: dict[CodingError, int] = Field(description="Every error type, 0 when none.")

    @classmethod
    def of(cls, quality: CoderQuality) -> "CoderQualityOut":
        return cls(
            coder=quality.coder, encounters_released=quality.encounters_released, hours_worked=quality.hours_worked,
            encounters_per_hour=quality.encounters_per_hour, encounters_audited=quality.encounters_audited,
            encounters_exact=quality.encounters_exact, precision=quality.precision, recall=quality.recall,
            errors={error: quality.errors.get(error, 0) for error in CodingError},
        )


class CodingQualityOut(BaseModel):
    date_from: date
    date_to: date
    coders: list[CoderQualityOut]
    totals: CoderQualityOut
