"""The tenant's coding policy: auto-release, claim length, filing days, audit sampling."""

from __future__ import annotations

from fastapi import APIRouter

from coding_svc.application.coding_policy import get_policy, put_policy
from coding_svc.entrypoints.api.roles import CodingReader, PracticeAdmin
from coding_svc.entrypoints.api.schemas import CodingPolicyIn, CodingPolicyOut
from openrcm_shared.runtime import UnitOfWorkDep

router = APIRouter(tags=["coding policy"])


@router.get("/coding-policy", response_model=CodingPolicyOut, summary="The tenant's coding policy (defaults if never set)")
async def get_coding_policy(ctx: CodingReader, uow: UnitOfWorkDep) -> CodingPolicyOut:
    return CodingPolicyOut.of(await get_policy(uow, ctx.tenant_id))


@router.put(
    "/coding-policy", response_model=CodingPolicyOut, summary="Replace the tenant's coding policy",
    description="Fields left out take their defaults. Invalid input lists every bad field. The filing deadlines "
    "of encounters not yet coded follow the new filing days at once.",
    responses={422: {"description": "Invalid fields.", "content": {"application/problem+json": {}}}},
)
async def put_coding_policy(body: CodingPolicyIn, ctx: PracticeAdmin, uow: UnitOfWorkDep) -> CodingPolicyOut:
    return CodingPolicyOut.of(await put_policy(uow, body.to_policy(ctx.tenant_id), actor=ctx.actor))
