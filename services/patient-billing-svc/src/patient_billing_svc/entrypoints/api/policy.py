"""The tenant's patient-billing policy: statement cycle, dunning days, self-pay discount, write-off threshold."""

from __future__ import annotations

from fastapi import APIRouter

from openrcm_shared.runtime import UnitOfWorkDep
from patient_billing_svc.application.policy import get_policy, put_policy
from patient_billing_svc.entrypoints.api.dependencies import PROBLEM, CanAdminister, CanRead, ClockDep
from patient_billing_svc.entrypoints.api.schemas import PolicyIO

router = APIRouter(prefix="/v1", tags=["policy"])


@router.get("/policy", response_model=PolicyIO, summary="The tenant's billing policy (defaults until set)")
async def get_one(ctx: CanRead, uow: UnitOfWorkDep) -> PolicyIO:
    return PolicyIO.of(await get_policy(uow, tenant_id=ctx.tenant_id))


@router.put("/policy", response_model=PolicyIO, summary="Replace the tenant's billing policy (practice_admin)",
            responses={422: {"description": "Invalid fields (all of them listed).", **PROBLEM}})
async def put_one(body: PolicyIO, ctx: CanAdminister, uow: UnitOfWorkDep, clock: ClockDep) -> PolicyIO:
    policy = await put_policy(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, policy=body.to_policy(), now=clock.now())
    return PolicyIO.of(policy)
