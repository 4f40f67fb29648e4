"""Statements: issue one for an account on demand, list and read them as JSON or PDF."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import Conflict
from openrcm_shared.runtime import UnitOfWorkDep
from patient_billing_svc.adapters.pdf import render_statement_pdf
from patient_billing_svc.application.statements import (
    NotIssued, Trigger, get_statement, issue_statement, list_statements,
)
from patient_billing_svc.domain.statement import StatementKind
from patient_billing_svc.entrypoints.api.dependencies import PROBLEM, CanRead, CanWork, ClockDep
from patient_billing_svc.entrypoints.api.schemas import StatementDetailOut, StatementOut

router = APIRouter(prefix="/v1", tags=["statements"])


class StatementNotIssued(Conflict):
    type_slug = "statement-not-issued"
    title = "No statement was issued"


_WHY = {
    NotIssued.ALREADY_ISSUED: "The account already has a statement of today; read it under /v1/statements.",
    NotIssued.NOTHING_DUE: "Nothing is due from the guarantor: insurance may still be pending.",
}


@router.post(
    "/accounts/{account_id}/statements", response_model=StatementOut, status_code=status.HTTP_201_CREATED,
    summary="Issue the account's statement now (on demand); emits StatementIssued",
    responses={404: {"description": "No such account in this tenant.", **PROBLEM},
               409: {"description": "Nothing due, or already issued today.", **PROBLEM}},
)
async def post_statement(account_id: uuid.UUID, ctx: CanWork, uow: UnitOfWorkDep, clock: ClockDep) -> StatementOut:
    outcome = await issue_statement(
        uow, tenant_id=ctx.tenant_id, account_id=account_id, as_of=clock.today(), trigger=Trigger.ON_DEMAND,
        actor=ctx.actor, now=clock.now(),
    )
    if isinstance(outcome, NotIssued):
        raise StatementNotIssued(_WHY.get(outcome, "No statement was issued."), reason=outcome.value)
    return StatementOut.of(outcome)


@router.get("/statements", response_model=Page[StatementOut], summary="Issued statements, newest first")
async def get_many(
    ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep,
    account_id: uuid.UUID | None = None,
    date_from: Annotated[date | None, Query(alias="from", description="Statement date on or after.")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Statement date on or before.")] = None,
    kind: StatementKind | None = None,
) -> Page[StatementOut]:
    found = await list_statements(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, account_id=account_id, date_from=date_from, date_to=date_to,
        kind=kind, limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([StatementOut.of(s) for s in found], page)


@router.get("/statements/{statement_id}", response_model=StatementDetailOut, summary="One statement as JSON",
            responses={404: {"description": "No such statement in this tenant.", **PROBLEM}})
async def get_one(statement_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> StatementDetailOut:
    record, content = await get_statement(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, statement_id=statement_id)
    return StatementDetailOut.of_content(record, content)


@router.get(
    "/statements/{statement_id}/pdf", summary="One statement as PDF",
    response_class=Response, responses={200: {"content": {"application/pdf": {}}},
                                        404: {"description": "No such statement in this tenant.", **PROBLEM}},
)
async def get_pdf(statement_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> Response:
    record, content = await get_statement(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, statement_id=statement_id,
                                          action="download")
    return Response(
        render_statement_pdf(content), media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="statement-{record.statement_date}-{record.id}.pdf"'},
    )
