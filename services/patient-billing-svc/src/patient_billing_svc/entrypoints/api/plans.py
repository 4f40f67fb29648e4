"""Payment plans: agree one for an account, read, list and cancel them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from openrcm_shared.idempotency import Claim, IdempotencyKeyHeader, StoredResponse, answer_idempotently
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.runtime import UnitOfWorkDep
from patient_billing_svc.application.plans import AgreePlan, PlanView, agree_plan, cancel_plan, get_plan, list_plans
from patient_billing_svc.domain.plan import PlanStatus
from patient_billing_svc.entrypoints.api.dependencies import (
    PROBLEM, CanRead, CanWork, ClockDep,
)
from patient_billing_svc.entrypoints.api.schemas import PlanIn, PlanOut

router = APIRouter(prefix="/v1", tags=["payment plans"])


def _created(view: PlanView) -> StoredResponse:
    return StoredResponse(status.HTTP_201_CREATED, PlanOut.of(view.plan, view.standing).model_dump(mode="json"),
                          {"Location": f"/v1/payment-plans/{view.plan.id}"})


@router.post(
    "/accounts/{account_id}/payment-plans", response_model=PlanOut, status_code=status.HTTP_201_CREATED,
    summary="Agree a payment plan; while it is active the account's dunning is held",
    description="`total` defaults to the patient-due balance. With an `Idempotency-Key` the first response is "
    "replayed for 24 h.",
    responses={404: {"description": "No such account in this tenant.", **PROBLEM},
               409: {"description": "The account already has an active plan.", **PROBLEM},
               422: {"description": "Invalid fields or terms (all of them listed).", **PROBLEM}},
)
async def post_plan(
    account_id: uuid.UUID, body: PlanIn, ctx: CanWork, uow: UnitOfWorkDep, clock: ClockDep, request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    command = AgreePlan(
        tenant_id=ctx.tenant_id, actor=ctx.actor, account_id=account_id, total=body.total,
        installment_amount=body.installment_amount, frequency=body.frequency, first_due_on=body.first_due_on,
        today=clock.today(),
    )

    async def run(claim: Claim | None) -> StoredResponse:
        return _created(await agree_plan(uow, command, now=clock.now(), claim=claim, respond=_created))

    return await answer_idempotently(request, ctx, uow, idempotency_key, run)


@router.get("/payment-plans", response_model=Page[PlanOut], summary="Payment plans, newest first")
async def get_many(
    ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep,
    status_filter: Annotated[PlanStatus | None, Query(alias="status")] = None,
    account_id: uuid.UUID | None = None,
) -> Page[PlanOut]:
    found = await list_plans(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, account_id=account_id,
                             status=status_filter, limit=page.limit + 1, offset=page.offset)
    return Page.of([PlanOut.of(p) for p in found], page)


@router.get("/payment-plans/{plan_id}", response_model=PlanOut, summary="One plan with its standing today",
            responses={404: {"description": "No such plan in this tenant.", **PROBLEM}})
async def get_one(plan_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep, clock: ClockDep) -> PlanOut:
    view = await get_plan(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, plan_id=plan_id, today=clock.today())
    return PlanOut.of(view.plan, view.standing)


@router.post("/payment-plans/{plan_id}/cancel", response_model=PlanOut,
             summary="Cancel an active plan (dunning resumes)",
             responses={404: {"description": "No such plan in this tenant.", **PROBLEM},
                        409: {"description": "The plan is not active.", **PROBLEM}})
async def post_cancel(plan_id: uuid.UUID, ctx: CanWork, uow: UnitOfWorkDep, clock: ClockDep) -> PlanOut:
    view = await cancel_plan(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, plan_id=plan_id, today=clock.today(),
                             now=clock.now())
    return PlanOut.of(view.plan, view.standing)
