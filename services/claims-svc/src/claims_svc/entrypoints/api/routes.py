from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from claims_svc.application.queries import get_claim, list_claims, list_denials
from claims_svc.domain.claim import ClaimStatus
from claims_svc.domain.denial import DenialStatus
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
    found = await list_claims(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, status=status_filter, encounter_id=encounter_id,
        patient_id=patient_id, limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([ClaimSummaryOut.of(claim) for claim in found], page)


@router.get("/claims/{claim_id}", response_model=ClaimOut, summary="One claim with its lines, status history and denials")
async def get_one_claim(claim_id: uuid.UUID, ctx: CanReadClaims, uow: UnitOfWorkDep) -> ClaimOut:
    return ClaimOut.of(await get_claim(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id))


@router.get("/denials", response_model=Page[DenialOut], summary="Billing denial work queue, oldest first")
async def get_denials(
    ctx: CanWorkDenials,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    status_filter: Annotated[DenialStatus | None, Query(alias="status")] = None,
) -> Page[DenialOut]:
    found = await list_denials(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, status=status_filter, limit=page.limit + 1, offset=page.offset
    )
    return Page.of([DenialOut.of(denial) for denial in found], page)
