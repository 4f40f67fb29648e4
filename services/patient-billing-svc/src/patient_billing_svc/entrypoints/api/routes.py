from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.db import utcnow
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.runtime import UnitOfWorkDep
from patient_billing_svc.application.queries import get_account, get_account_by_patient, list_accounts
from patient_billing_svc.entrypoints.api.schemas import AccountOut, AccountViewOut

router = APIRouter(prefix="/v1", tags=["accounts"])

CanRead = Annotated[
    TenantContext, Depends(require_roles(Role.PATIENT_ACCOUNTS, Role.BILLER, Role.PRACTICE_ADMIN))
]


def _today() -> date:
    return utcnow().date()


@router.get("/accounts", response_model=Page[AccountOut], summary="Guarantor accounts, newest first")
async def get_many(
    ctx: CanRead,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    patient_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AccountOut]:
    found = await list_accounts(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, patient_id=patient_id,
        limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([AccountOut.of(a) for a in found], page)


@router.get(
    "/accounts/by-patient/{patient_id}", response_model=AccountViewOut, summary="The account of a patient (MRN)"
)
async def get_by_patient(
    patient_id: Annotated[str, Path(max_length=64)], ctx: CanRead, uow: UnitOfWorkDep
) -> AccountViewOut:
    view = await get_account_by_patient(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, patient_id=patient_id, today=_today()
    )
    return AccountViewOut.of_view(view)


@router.get(
    "/accounts/{account_id}", response_model=AccountViewOut,
    summary="One account: guarantor, balance, patient due, insurance pending, aging, ledger and visits",
)
async def get_one(account_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> AccountViewOut:
    view = await get_account(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, account_id=account_id, today=_today())
    return AccountViewOut.of_view(view)
