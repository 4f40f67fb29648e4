from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput
from openrcm_shared.runtime import UnitOfWorkDep
from payments_svc.application.queries import (
    get_remittance, list_expected_claims, list_remittances, list_unmatched_claims,
)
from payments_svc.application.remittances import PostRemittance, post_remittance
from payments_svc.domain.remittance_rules import cross_field_problems
from payments_svc.entrypoints.api.schemas import (
    ExpectedClaimOut, RemitClaimOut, RemittanceIn, RemittanceOut, RemittanceSummaryOut,
)

router = APIRouter(prefix="/v1")

CanPost = Annotated[TenantContext, Depends(require_roles(Role.PAYMENT_POSTER, Role.PRACTICE_ADMIN))]
CanRead = Annotated[TenantContext, Depends(require_roles(Role.PAYMENT_POSTER, Role.BILLER, Role.PRACTICE_ADMIN))]


@router.post(
    "/remittances",
    response_model=RemittanceOut,
    status_code=status.HTTP_201_CREATED,
    tags=["remittances"],
    summary="Post a payer's remittance (payment and claim payments)",
    responses={409: {"description": "The same payment (payer, trace number, amount) was already posted; "
                                    "`remittance_id` names the earlier remittance."}},
)
async def post_one(body: RemittanceIn, ctx: CanPost, uow: UnitOfWorkDep, response: Response) -> RemittanceOut:
    document = body.to_document()
    problems = cross_field_problems(document, date.today())
    if problems:
        raise InvalidInput(f"{len(problems)} field(s) are invalid; see `errors`.", errors=problems)
    remittance = await post_remittance(uow, PostRemittance(tenant_id=ctx.tenant_id, actor=ctx.actor, document=document))
    response.headers["Location"] = f"/v1/remittances/{remittance.id}"
    return RemittanceOut.of_remittance(remittance)


@router.get("/remittances", response_model=Page[RemittanceSummaryOut], tags=["remittances"],
            summary="Remittances, newest first")
async def get_many(ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep) -> Page[RemittanceSummaryOut]:
    found = await list_remittances(uow, tenant_id=ctx.tenant_id, limit=page.limit + 1, offset=page.offset)
    return Page.of([RemittanceSummaryOut.of(s) for s in found], page)


# Declared before /remittances/{remittance_id} so the literal path is not read as an id.
@router.get("/remittances/unmatched-claims", response_model=Page[RemitClaimOut], tags=["remittances"],
            summary="Remittance claims that match no submitted claim, oldest first")
async def get_unmatched(ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep) -> Page[RemitClaimOut]:
    found = await list_unmatched_claims(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, limit=page.limit + 1,
                                        offset=page.offset)
    return Page.of([RemitClaimOut.of(c) for c in found], page)


@router.get("/remittances/{remittance_id}", response_model=RemittanceOut, tags=["remittances"],
            summary="One remittance with its claims, lines, adjustments, match and balance status")
async def get_one(remittance_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> RemittanceOut:
    remittance = await get_remittance(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, remittance_id=remittance_id)
    return RemittanceOut.of_remittance(remittance)


@router.get("/expected-claims", response_model=Page[ExpectedClaimOut], tags=["expected claims"],
            summary="Submitted claims awaiting a payer's answer, newest first")
async def get_expected_claims(
    ctx: CanRead,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    patient_control_number: Annotated[str | None, Query(min_length=1, max_length=38)] = None,
) -> Page[ExpectedClaimOut]:
    found = await list_expected_claims(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, patient_control_number=patient_control_number,
        limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([ExpectedClaimOut.of(c) for c in found], page)
