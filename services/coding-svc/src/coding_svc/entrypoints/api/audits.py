"""Coding auditors: the audit sample, blind coding, and the coding-quality report."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from coding_svc.application.audits import coding_quality, list_audits, open_audit, submit_audit_coding
from coding_svc.domain.coding_audit import AuditStatus
from coding_svc.entrypoints.api.audit_schemas import AuditOut, AuditSummaryOut, CodingQualityOut, CoderQualityOut
from coding_svc.entrypoints.api.errors import WorkflowRoute
from coding_svc.entrypoints.api.schemas import CodesIn
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.db import utcnow
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput
from openrcm_shared.runtime import UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["coding audit"], route_class=WorkflowRoute)

Auditor = Annotated[TenantContext, Depends(require_roles(Role.CODING_AUDITOR))]
QualityReader = Annotated[TenantContext, Depends(require_roles(Role.CODING_AUDITOR, Role.PRACTICE_ADMIN))]
_PROBLEM = {"content": {"application/problem+json": {}}}
MAX_REPORT_DAYS = 366


@router.get("/audits", response_model=Page[AuditSummaryOut], summary="The coding audit sample, oldest first")
async def get_audits(
    ctx: QualityReader, uow: UnitOfWorkDep, page: PageParamsDep,
    status: Annotated[AuditStatus | None, Query(description="pending (to code) or completed.")] = None,
    coder: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[AuditSummaryOut]:
    found = await list_audits(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, status=status, coder=coder,
                              limit=page.limit + 1, offset=page.offset)
    return Page.of([AuditSummaryOut.of(a) for a in found], page)


@router.get(
    "/audits/{audit_id}", response_model=AuditOut, summary="One audit: blind documentation while pending",
    responses={404: {"description": "No such audit in this tenant.", **_PROBLEM}},
)
async def get_audit(audit_id: uuid.UUID, ctx: QualityReader, uow: UnitOfWorkDep) -> AuditOut:
    audit, encounter = await open_audit(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, audit_id=audit_id)
    return AuditOut.of_audit(audit, encounter)


@router.post(
    "/audits/{audit_id}/coding", response_model=AuditOut,
    summary="The auditor's blind codes: completes the audit and answers the comparison",
    responses={
        409: {"description": "Already completed, or the auditor is the coder.", **_PROBLEM},
        422: {"description": "Invalid codes.", **_PROBLEM},
    },
)
async def post_audit_coding(audit_id: uuid.UUID, body: CodesIn, ctx: Auditor, uow: UnitOfWorkDep) -> AuditOut:
    audit, encounter, _ = await submit_audit_coding(
        uow, tenant_id=ctx.tenant_id, auditor=ctx.actor, audit_id=audit_id, entered=body.to_entered()
    )
    return AuditOut.of_audit(audit, encounter)


@router.get(
    "/reports/coding-quality", response_model=CodingQualityOut,
    summary="Per-coder accuracy (from audits) and productivity (releases per hour worked)",
    description="For releases made in the period (inclusive UTC dates; default: the last 30 days). Accuracy "
    "counts codes on audited releases: precision, recall and errors by type (wrong code, missing, extra, wrong "
    "modifier, wrong units, wrong pointer). Hours worked are each release's time from the coder's claim to "
    "the release.",
    responses={422: {"description": "Bad period.", **_PROBLEM}},
)
async def get_coding_quality(
    ctx: QualityReader, uow: UnitOfWorkDep,
    date_from: date | None = None, date_to: date | None = None,
    coder: Annotated[str | None, Query(max_length=200)] = None,
) -> CodingQualityOut:
    date_to = date_to or utcnow().date()
    date_from = date_from or date_to - timedelta(days=29)
    problems = []
    if date_from > date_to:
        problems.append({"pointer": "/date_from", "location": "query", "message": "must be on or before date_to",
                         "code": "invalid"})
    elif (date_to - date_from).days >= MAX_REPORT_DAYS:
        problems.append({"pointer": "/date_to", "location": "query",
                         "message": f"the period may span at most {MAX_REPORT_DAYS} days", "code": "invalid"})
    if problems:
        raise InvalidInput("The report period is invalid; see `errors`.", errors=problems)
    report = await coding_quality(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, date_from=date_from,
                                  date_to=date_to, coder=coder)
    return CodingQualityOut(
        date_from=report.date_from, date_to=report.date_to,
        coders=[CoderQualityOut.of(q) for q in report.coders], totals=CoderQualityOut.of(report.totals),
    )
