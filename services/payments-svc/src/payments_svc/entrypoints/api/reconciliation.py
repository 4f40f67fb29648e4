"""Reconciliation of payments with postings and bank deposits, and denial-rate reports."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput
from openrcm_shared.runtime import UnitOfWorkDep
from payments_svc.application.reconciliation import denial_report, list_reconciliations, match_deposit
from payments_svc.entrypoints.api.schemas import DenialRateOut, DenialReportOut, DepositIn, PaymentReconciliationOut

router = APIRouter(prefix="/v1")

CanReconcile = Annotated[TenantContext, Depends(require_roles(Role.PAYMENT_POSTER, Role.PRACTICE_ADMIN))]
CanRead = Annotated[TenantContext, Depends(require_roles(Role.PAYMENT_POSTER, Role.BILLER, Role.PRACTICE_ADMIN))]


@router.get("/reconciliation/payments", response_model=Page[PaymentReconciliationOut], tags=["reconciliation"],
            summary="Posted payments against their posted and held claim payments and PLB; `reconciled=false` "
                    "lists those not yet matched to a bank deposit")
async def get_payments(
    ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep, reconciled: Annotated[bool | None, Query()] = None,
) -> Page[PaymentReconciliationOut]:
    found = await list_reconciliations(uow, tenant_id=ctx.tenant_id, reconciled=reconciled, limit=page.limit + 1,
                                       offset=page.offset)
    return Page.of([PaymentReconciliationOut.of(r) for r in found], page)


@router.post("/reconciliation/payments/{remittance_id}/deposit", response_model=PaymentReconciliationOut,
             tags=["reconciliation"], summary="Mark a posted payment as matched to a bank deposit",
             responses={409: {"description": "Not posted yet, or already matched."},
                        422: {"description": "The deposit amount differs from the payment."}})
async def post_deposit(
    remittance_id: uuid.UUID, body: DepositIn, ctx: CanReconcile, uow: UnitOfWorkDep
) -> PaymentReconciliationOut:
    result = await match_deposit(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, remittance_id=remittance_id,
                                 reference=body.reference, deposit_date=body.deposit_date, amount=body.amount)
    return PaymentReconciliationOut.of(result)


@router.get("/reports/denials", response_model=DenialReportOut, tags=["reports"],
            summary="Denial rate by payer, CARC, category or department over remittances posted in a date range")
async def get_denial_report(
    ctx: CanRead, uow: UnitOfWorkDep, start: Annotated[date, Query(alias="from")], end: Annotated[date, Query(alias="to")],
    by: Annotated[Literal["payer", "carc", "category", "department"], Query()] = "payer",
) -> DenialReportOut:
    if end < start:
        raise InvalidInput("`to` is before `from`.", errors=[
            {"pointer": "/to", "location": "query", "message": "must not be before from", "code": "invalid"}])
    rows = await denial_report(uow, tenant_id=ctx.tenant_id, by=by, start=start, end=end)
    return DenialReportOut(by=by, start=start, end=end, rows=[DenialRateOut.of(r) for r in rows])
