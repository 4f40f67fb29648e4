"""Refund work items: credit balances waiting for someone to pay them back (or keep them on the account)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from openrcm_shared.idempotency import Claim, IdempotencyKeyHeader, StoredResponse, answer_idempotently
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.runtime import UnitOfWorkDep
from patient_billing_svc.application.payments import IssueRefund, dismiss_refund, issue_refund
from patient_billing_svc.application.queries import list_refund_items
from patient_billing_svc.domain.refund import RefundItem, RefundStatus
from patient_billing_svc.entrypoints.api.dependencies import (
    PROBLEM, CanRead, CanWork, ClockDep,
)
from patient_billing_svc.entrypoints.api.schemas import RefundIn, RefundItemOut

router = APIRouter(prefix="/v1", tags=["refunds"])


@router.get("/refund-items", response_model=Page[RefundItemOut], summary="Refund work items, oldest first")
async def get_many(
    ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep,
    status_filter: Annotated[RefundStatus | None, Query(alias="status")] = RefundStatus.OPEN,
    account_id: uuid.UUID | None = None,
) -> Page[RefundItemOut]:
    found = await list_refund_items(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, status=status_filter,
                                    account_id=account_id, limit=page.limit + 1, offset=page.offset)
    return Page.of([RefundItemOut.of(i) for i in found], page)


def _item(item: RefundItem) -> StoredResponse:
    return StoredResponse(status.HTTP_200_OK, RefundItemOut.of(item).model_dump(mode="json"))


@router.post(
    "/refund-items/{item_id}/refund", response_model=RefundItemOut,
    summary="Pay the credit back: posts a refund entry for the item's amount",
    description="With an `Idempotency-Key` the first response is replayed for 24 h.",
    responses={404: {"description": "No such item in this tenant.", **PROBLEM},
               409: {"description": "The item is no longer open.", **PROBLEM}},
)
async def post_refund(
    item_id: uuid.UUID, body: RefundIn, ctx: CanWork, uow: UnitOfWorkDep, clock: ClockDep, request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    command = IssueRefund(tenant_id=ctx.tenant_id, actor=ctx.actor, item_id=item_id, method=body.method,
                          on=clock.today(), reference=body.reference)

    async def run(claim: Claim | None) -> StoredResponse:
        return _item(await issue_refund(uow, command, now=clock.now(), claim=claim, respond=_item))

    return await answer_idempotently(request, ctx, uow, idempotency_key, run)


@router.post(
    "/refund-items/{item_id}/dismiss", response_model=RefundItemOut,
    summary="Keep the credit on the account instead of refunding it",
    responses={404: {"description": "No such item in this tenant.", **PROBLEM},
               409: {"description": "The item is no longer open.", **PROBLEM}},
)
async def post_dismiss(item_id: uuid.UUID, ctx: CanWork, uow: UnitOfWorkDep, clock: ClockDep) -> RefundItemOut:
    item = await dismiss_refund(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, item_id=item_id,
                                today=clock.today(), now=clock.now())
    return RefundItemOut.of(item)
