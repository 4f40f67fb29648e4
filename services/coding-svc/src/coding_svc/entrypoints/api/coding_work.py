"""Coders working the queues: list, take the next, claim, give back, draft, check edits, release."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from coding_svc.application.coding_work import (
    CoderAction, check_edits, claim_encounter, claim_next, give_back_encounter, release_encounter, save_draft,
)
from coding_svc.application.queries import list_work_queue
from coding_svc.domain.work_queue import WorkQueue
from coding_svc.entrypoints.api.dependencies import EditEngineDep
from coding_svc.entrypoints.api.errors import WorkflowRoute
from coding_svc.entrypoints.api.roles import Coder, CodingReader
from coding_svc.entrypoints.api.schemas import CodesIn, EditsOut, EncounterOut, QueueItemOut
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.runtime import UnitOfWorkDep

router = APIRouter(tags=["coding work"], route_class=WorkflowRoute)

_PROBLEM = {"content": {"application/problem+json": {}}}
_CONFLICT = {409: {"description": "The encounter's state or another coder's claim does not allow it.", **_PROBLEM}}
_NOT_FOUND = {404: {"description": "No such encounter in this tenant.", **_PROBLEM}}

QueueParam = Annotated[WorkQueue, Query(description="coding (awaiting coding), rework or query_pending.")]
PayerParam = Annotated[str | None, Query(max_length=80, description="Only encounters whose primary payer is this.")]


@router.get(
    "/work-queue", response_model=Page[QueueItemOut], summary="A coding work queue, most urgent first",
    description="Ordered by the payer's timely-filing deadline (date of service + the tenant policy's filing days "
    "for the primary payer), then by age. `claimed=false` lists what is free to take (unclaimed or claim expired).",
)
async def get_work_queue(
    ctx: CodingReader, uow: UnitOfWorkDep, page: PageParamsDep, queue: QueueParam = WorkQueue.CODING,
    claimed: Annotated[bool | None, Query(description="true: held by a coder; false: free to take.")] = None,
    payer_id: PayerParam = None,
) -> Page[QueueItemOut]:
    items = await list_work_queue(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, queue=queue, claimed=claimed, payer_id=payer_id,
        limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([QueueItemOut.of(item) for item in items], page)


@router.post(
    "/work-queue/next", response_model=EncounterOut, summary="Claim the most urgent free encounter of a queue",
    description="Atomically claims the first unclaimed encounter of the queue (two coders asking at once get "
    "different encounters). 204 when nothing is free.",
    responses={204: {"description": "Nothing free to take in that queue."}},
)
async def post_next(ctx: Coder, uow: UnitOfWorkDep, queue: QueueParam = WorkQueue.CODING,
                    payer_id: PayerParam = None) -> EncounterOut | Response:
    if queue == WorkQueue.QUERY_PENDING:
        # Nothing there can be claimed: it waits for the provider.
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    encounter = await claim_next(uow, tenant_id=ctx.tenant_id, coder=ctx.actor, queue=queue, payer_id=payer_id)
    if encounter is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return EncounterOut.of(encounter)


@router.post(
    "/encounters/{encounter_id}/claim", response_model=EncounterOut, summary="Claim an encounter",
    description="One coder at a time; the claim lasts the policy's `claim_minutes`. Claiming again while you hold "
    "it extends it. An expired claim may be taken by anyone.",
    responses={**_CONFLICT, **_NOT_FOUND},
)
async def post_claim(encounter_id: uuid.UUID, ctx: Coder, uow: UnitOfWorkDep) -> EncounterOut:
    return EncounterOut.of(await claim_encounter(uow, CoderAction(ctx.tenant_id, ctx.actor, encounter_id)))


@router.delete(
    "/encounters/{encounter_id}/claim", status_code=status.HTTP_204_NO_CONTENT,
    summary="Give a claimed encounter back to its queue",
    description="Nothing to give back (not claimed, or your claim expired and nobody took it) is also 204.",
    responses={**_CONFLICT, **_NOT_FOUND},
)
async def delete_claim(encounter_id: uuid.UUID, ctx: Coder, uow: UnitOfWorkDep) -> Response:
    await give_back_encounter(uow, CoderAction(ctx.tenant_id, ctx.actor, encounter_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/encounters/{encounter_id}/draft", response_model=EncounterOut, summary="Save the coder's codes",
    description="The claim holder replaces the working codes. Each field is validated as at intake (422 lists "
    "every bad field); the edits then run and their findings come back in `findings`: they never stop the "
    "draft from being saved, only the release.",
    responses={**_CONFLICT, **_NOT_FOUND, 422: {"description": "Invalid fields.", **_PROBLEM}},
)
async def put_draft(
    encounter_id: uuid.UUID, body: CodesIn, ctx: Coder, uow: UnitOfWorkDep, engine: EditEngineDep
) -> EncounterOut:
    encounter, _ = await save_draft(uow, CoderAction(ctx.tenant_id, ctx.actor, encounter_id), body.to_entered(), engine)
    return EncounterOut.of(encounter)


@router.post(
    "/encounters/{encounter_id}/release", response_model=EncounterOut, summary="Release the working codes to billing",
    description="The claim holder releases: the edits run on the working codes; an error finding blocks it (422 "
    "with the `findings`, which are also stored on the encounter; nothing else changes). A clean release makes "
    "the encounter coded with the next revision and emits EncounterCoded.",
    responses={**_CONFLICT, **_NOT_FOUND,
               422: {"description": "Edit errors block the release; `findings` lists them.", **_PROBLEM}},
)
async def post_release(encounter_id: uuid.UUID, ctx: Coder, uow: UnitOfWorkDep, engine: EditEngineDep) -> EncounterOut:
    return EncounterOut.of(await release_encounter(uow, CoderAction(ctx.tenant_id, ctx.actor, encounter_id), engine))


@router.post(
    "/encounters/{encounter_id}/edits", response_model=EditsOut, summary="Run the coding edits without saving",
    description="Checks the codes in the body (same shape as a draft), or the working codes when there is no "
    "body. Nothing is saved. Each finding names its edit, its severity (an `error` blocks release, a `warning` "
    "does not), what is wrong and the suggested fix.",
    responses={**_NOT_FOUND, 422: {"description": "Invalid fields.", **_PROBLEM}},
)
async def post_edits(
    encounter_id: uuid.UUID, ctx: CodingReader, uow: UnitOfWorkDep, engine: EditEngineDep, body: CodesIn | None = None,
) -> EditsOut:
    report = await check_edits(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, encounter_id=encounter_id,
        entered=body.to_entered() if body is not None else None, engine=engine,
    )
    return EditsOut.of(report)
