"""Guarantor accounts: list and read them, post payments and adjustments, mark disputes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import JSONResponse

from openrcm_shared.idempotency import Claim, IdempotencyKeyHeader, StoredResponse, answer_idempotently
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput
from openrcm_shared.runtime import UnitOfWorkDep
from patient_billing_svc.application.collections import set_dispute
from patient_billing_svc.application.payments import (
    PostAdjustment, Posted, RecordPayment, post_adjustment, record_payment,
)
from patient_billing_svc.application.queries import get_account, get_account_by_patient, list_accounts
from patient_billing_svc.domain.account import AccountStatus
from patient_billing_svc.domain.ledger import AgingBucket
from patient_billing_svc.entrypoints.api.dependencies import (
    PROBLEM, CanRead, CanWork, ClockDep,
)
from patient_billing_svc.entrypoints.api.schemas import (
    MANUAL_REASONS, AccountOut, AccountViewOut, AdjustmentIn, DisputeIn, PaymentIn, PostedOut,
)

router = APIRouter(prefix="/v1", tags=["accounts"])

_IDEMPOTENT = ("With an `Idempotency-Key` the first response is replayed for 24 h (header "
               "`Idempotent-Replayed: true`); the same key with another body is refused (422).")


@router.get("/accounts", response_model=Page[AccountOut], summary="Guarantor accounts, newest first")
async def get_many(
    ctx: CanRead,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    clock: ClockDep,
    patient_id: Annotated[str | None, Query(max_length=64)] = None,
    status_filter: Annotated[AccountStatus | None, Query(alias="status", description="Accounts this applies to.")] = None,
    aging_bucket: Annotated[
        AgingBucket | None, Query(description="Accounts whose oldest open charge is this old today.")
    ] = None,
) -> Page[AccountOut]:
    found = await list_accounts(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, patient_id=patient_id, status=status_filter,
        aging_bucket=aging_bucket, today=clock.today(), limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([AccountOut.of(a) for a in found], page)


@router.get(
    "/accounts/by-patient/{patient_id}", response_model=AccountViewOut, summary="The account of a patient (MRN)"
)
async def get_by_patient(
    patient_id: Annotated[str, Path(max_length=64)], ctx: CanRead, uow: UnitOfWorkDep, clock: ClockDep
) -> AccountViewOut:
    view = await get_account_by_patient(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, patient_id=patient_id, today=clock.today()
    )
    return AccountViewOut.of_view(view)


@router.get(
    "/accounts/{account_id}", response_model=AccountViewOut,
    summary="One account: guarantor, balance, patient due, insurance pending, aging, ledger and visits",
)
async def get_one(account_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep, clock: ClockDep) -> AccountViewOut:
    view = await get_account(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, account_id=account_id,
                             today=clock.today())
    return AccountViewOut.of_view(view)


def _posted(posted: Posted) -> StoredResponse:
    return StoredResponse(status.HTTP_201_CREATED, PostedOut.of(posted).model_dump(mode="json"))


@router.post(
    "/accounts/{account_id}/payments", response_model=PostedOut, status_code=status.HTTP_201_CREATED,
    summary="Record a patient payment (card, cash, check, online)",
    description="Applied to the oldest open charges first, or to `visit_id`'s charges first when given. A payment "
    "larger than what is owed leaves a credit and opens a refund work item. Emits PatientPaymentReceived. "
    + _IDEMPOTENT,
    responses={404: {"description": "No such account in this tenant.", **PROBLEM},
               422: {"description": "Invalid fields.", **PROBLEM}},
)
async def post_payment(
    account_id: uuid.UUID, body: PaymentIn, ctx: CanWork, uow: UnitOfWorkDep, clock: ClockDep, request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    today = clock.today()
    if body.received_on is not None and body.received_on > today:
        raise InvalidInput("1 field(s) are invalid; see `errors`.", errors=[
            {"pointer": "/received_on", "location": "body", "message": "is in the future", "code": "future_date"}
        ])
    command = RecordPayment(
        tenant_id=ctx.tenant_id, actor=ctx.actor, account_id=account_id, amount=body.amount, method=body.method,
        received_on=body.received_on or today, reference=body.reference, visit_id=body.visit_id,
    )

    async def run(claim: Claim | None) -> StoredResponse:
        return _posted(await record_payment(uow, command, now=clock.now(), claim=claim, respond=_posted))

    return await answer_idempotently(request, ctx, uow, idempotency_key, run)


@router.post(
    "/accounts/{account_id}/adjustments", response_model=PostedOut, status_code=status.HTTP_201_CREATED,
    summary="Take an amount off the balance: courtesy or billing correction (adjustment), charity or bad debt "
    "(write-off)",
    description="Never more than the patient-due balance. " + _IDEMPOTENT,
    responses={404: {"description": "No such account in this tenant.", **PROBLEM},
               422: {"description": "Invalid fields.", **PROBLEM}},
)
async def post_adjustment_route(
    account_id: uuid.UUID, body: AdjustmentIn, ctx: CanWork, uow: UnitOfWorkDep, clock: ClockDep, request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    if body.reason not in MANUAL_REASONS:
        raise InvalidInput("1 field(s) are invalid; see `errors`.", errors=[
            {"pointer": "/reason", "location": "body", "code": "not_manual",
             "message": f"posted by the service; use one of {', '.join(r.value for r in MANUAL_REASONS)}"}
        ])
    command = PostAdjustment(
        tenant_id=ctx.tenant_id, actor=ctx.actor, account_id=account_id, amount=body.amount, reason=body.reason,
        on=clock.today(), visit_id=body.visit_id, reference=body.reference,
    )

    async def run(claim: Claim | None) -> StoredResponse:
        return _posted(await post_adjustment(uow, command, now=clock.now(), claim=claim, respond=_posted))

    return await answer_idempotently(request, ctx, uow, idempotency_key, run)


@router.put(
    "/accounts/{account_id}/dispute", response_model=AccountOut,
    summary="Mark the balance disputed (dunning is held) or the dispute resolved",
    responses={404: {"description": "No such account in this tenant.", **PROBLEM}},
)
async def put_dispute(
    account_id: uuid.UUID, body: DisputeIn, ctx: CanWork, uow: UnitOfWorkDep, clock: ClockDep
) -> AccountOut:
    account = await set_dispute(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, account_id=account_id,
                                disputed=body.disputed, today=clock.today(), now=clock.now())
    return AccountOut.of(account)
