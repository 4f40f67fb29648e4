from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from claims_svc.application.queries import get_claim, list_claims, list_denials
from claims_svc.domain.claim import ClaimStatus
from claims_svc.entrypoints.api.schemas import ClaimOut, ClaimSummaryOut, DenialOut
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.runtime import UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["claims"])

CanReadClaims = Annotated[
    TenantContext, Depends(require_roles(Role.BILLER, Role.PRACTICE_ADMIN, Role.PAYMENT_POSTER, Role.CODER))
]
CanWorkDenials = Annotated[TenantContext, Depends(require_roles(Role.BILLER, Role.PRACTICE_ADMIN))]


@router.get("/claims", response_model=Page[ClaimSummaryOut], summary="Claims, newest first")
async def get_claims(
    ctx: CanReadClaims,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    status_filter: Annotated[ClaimStatus | None, Query(alias="status")] = None,
    encounter_id: uuid.UUID | None = None,
    patient_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[ClaimSummaryOut]:
    rows = await list_claims(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, status=status_filter,
                             encounter_id=encounter_id, patient_id=patient_id, limit=page.limit + 1, offset=page.offset)
    return Page.of([ClaimSummaryOut.of(r) for r in rows], page)


@router.get("/claims/{claim_id}", response_model=ClaimOut, summary="One claim with lines, status history and denials")
async def get_one_claim(claim_id: uuid.UUID, ctx: CanReadClaims, uow: UnitOfWorkDep) -> ClaimOut:
    claim, denials = await get_claim(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id)
    return ClaimOut.of(claim, denials)


@router.get("/denials", response_model=Page[DenialOut], summary="Billing denial work queue, oldest first")
async def get_denials(
    ctx: CanWorkDenials,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    status_filter: Annotated[Literal["open", "closed"] | None, Query(alias="status")] = None,
) -> Page[DenialOut]:
    rows = await list_denials(uow, tenant_id=ctx.tenant_id, status=status_filter, limit=page.limit + 1,
                              offset=page.offset)
    return Page.of([DenialOut(**r) for r in rows], page)
