"""``Annotated`` dependencies the patient-billing routes share: who may do what, the clock, Idempotency-Key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from openrcm_shared import idempotency
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.db import UnitOfWork
from openrcm_shared.idempotency import Claim, Replay, StoredResponse, idempotent_request
from patient_billing_svc.clock import Clock

#: Patient billing staff, practice admins and billers read accounts, statements, plans and refund items.
CanRead = Annotated[
    TenantContext, Depends(require_roles(Role.PATIENT_ACCOUNTS, Role.BILLER, Role.PRACTICE_ADMIN))
]
#: Patient billing staff and practice admins post payments, adjustments, plans, refunds, statements and jobs.
CanWork = Annotated[TenantContext, Depends(require_roles(Role.PATIENT_ACCOUNTS, Role.PRACTICE_ADMIN))]
#: Only practice admins change the tenant's billing policy.
CanAdminister = Annotated[TenantContext, Depends(require_roles(Role.PRACTICE_ADMIN))]


def _clock(request: Request) -> Clock:
    return request.app.state.clock


ClockDep = Annotated[Clock, Depends(_clock)]

PROBLEM = {"content": {"application/problem+json": {}}}


async def answer_idempotently(
    request: Request, ctx: TenantContext, uow: UnitOfWork, key: str | None,
    run: Callable[[Claim | None], Awaitable[StoredResponse]],
) -> JSONResponse:
    """Run a validated write under its Idempotency-Key (if any): replay a completed one, else run it.

    ``run(claim)`` calls the use case with the claim (it stores its answer with its effect) and
    returns the answer.
    """
    identity = await idempotent_request(request, tenant_id=ctx.tenant_id, client=ctx.actor, key=key)
    claim = None
    if identity is not None:
        outcome = await idempotency.begin(uow, identity)
        if isinstance(outcome, Replay):
            return outcome.to_response()
        claim = outcome
    async with idempotency.released_on_failure(uow, claim):
        answer = await run(claim)
    return answer.to_response()
