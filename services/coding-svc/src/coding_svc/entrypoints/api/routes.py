from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse, Response

from coding_svc.application.intake import (
    EncounterCodedConflict, IntakeOutcome, IntakeResult, SubmitEncounter, submit_encounter,
)
from coding_svc.application.queries import get_encounter, get_encounter_versions, list_encounters
from coding_svc.domain.edits.engine import EditEngine
from coding_svc.domain.encounter import EncounterStatus
from coding_svc.entrypoints.api import coding_policy, coding_work, physician_queries
from coding_svc.entrypoints.api.dependencies import EditEngineDep
from coding_svc.entrypoints.api.schemas import (
    BulkEncountersIn, BulkEncountersOut, BulkItemResult, EncounterIn, EncounterOut, EncounterVersionOut,
    EncounterVersionsOut,
)
from coding_svc.entrypoints.api.validation import IntakeRoute, document_or_problems, invalid, validate_encounter
from openrcm_shared import idempotency
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.db import UnitOfWorkFactory
from openrcm_shared.idempotency import (
    Claim, IdempotencyKeyHeader, Replay, StoredResponse, answer_idempotently, idempotent_request,
)
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.runtime import UnitOfWorkDep, UnitOfWorkFactoryDep

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["encounters"])
#: Intake routes report schema errors and cross-field problems together (see validation.py).
intake = APIRouter(route_class=IntakeRoute)  # included into ``router`` below, which adds /v1

CanSubmit = Annotated[TenantContext, Depends(require_roles(Role.EHR_INTEGRATION, Role.CODER, Role.PRACTICE_ADMIN))]
CanSubmitBulk = Annotated[TenantContext, Depends(require_roles(Role.EHR_INTEGRATION, Role.PRACTICE_ADMIN))]
CanRead = Annotated[
    TenantContext,
    Depends(require_roles(Role.CODER, Role.CODING_AUDITOR, Role.EHR_INTEGRATION, Role.BILLER, Role.PRACTICE_ADMIN)),
]

_PROBLEM = {"content": {"application/problem+json": {}}}


def _answer(result: IntakeResult) -> StoredResponse:
    code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    return StoredResponse(
        code, EncounterOut.of(result.encounter).model_dump(mode="json"),
        {"Location": f"/v1/encounters/{result.encounter.id}"},
    )


def _encoded_answer(result: IntakeResult) -> Response:
    """``_answer`` serialized by pydantic in one step (no dict, no second JSON encoding), for a request
    whose answer is not stored under an Idempotency-Key."""
    return Response(
        EncounterOut.of(result.encounter).model_dump_json(), media_type="application/json",
        status_code=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        headers={"Location": f"/v1/encounters/{result.encounter.id}"},
    )


@intake.post(
    "/encounters",
    response_model=EncounterOut,
    status_code=status.HTTP_201_CREATED,
    summary="Submit an encounter from an EHR",
    description="Idempotent by (source_system, external_encounter_id): the same document again answers 200 "
    "with the stored encounter; a changed document amends an encounter awaiting coding (200, `version` + 1, "
    "history under /versions) and is refused with 409 once it is coded. With an `Idempotency-Key` the first "
    "response is replayed for 24 h (header `Idempotent-Replayed: true`).",
    responses={
        200: {"description": "Already received: unchanged, or amended before coding. The stored encounter."},
        409: {"description": "Already coded (changed document), or the same Idempotency-Key is still in progress.", **_PROBLEM},
        422: {"description": "Invalid fields, or an Idempotency-Key reused with a different body.", **_PROBLEM},
    },
)
async def post_encounter(
    body: EncounterIn, ctx: CanSubmit, uow: UnitOfWorkDep, request: Request, engine: EditEngineDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    document, problems = document_or_problems(body, date.today())
    if document is None:
        raise invalid(problems)  # before claiming the key: validation failures are never stored
    command = SubmitEncounter(tenant_id=ctx.tenant_id, actor=ctx.actor, document=document)
    if idempotency_key is None:
        return _encoded_answer(await submit_encounter(uow, command, engine))

    async def run(claim: Claim | None) -> StoredResponse:
        return _answer(await submit_encounter(uow, command, engine, claim=claim, respond=_answer))

    return await answer_idempotently(request, ctx, uow, idempotency_key, run)


@intake.post(
    "/encounters:bulk",
    response_model=BulkEncountersOut,
    summary="Submit up to 1,000 encounters, with a result per item",
    description="Each item is validated on its own and stored in its own transaction, exactly as "
    "POST /v1/encounters would: a bad or conflicting item never affects the others. The answer is 200 "
    "with a result per item (`created`, `unchanged`, `amended`, `invalid` with `errors` pointing into the "
    "item, `conflict` with `detail`, or `failed` if the service failed part-way: retrying those items is "
    "safe). An `Idempotency-Key` replays the whole answer.",
    responses={422: {"description": "Not a list of 1 to 1,000 encounters.", **_PROBLEM}},
)
async def post_encounters_bulk(
    body: BulkEncountersIn, ctx: CanSubmitBulk, uows: UnitOfWorkFactoryDep, request: Request, engine: EditEngineDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    key = await idempotent_request(request, tenant_id=ctx.tenant_id, client=ctx.actor, key=idempotency_key)
    async with uows() as outer:
        claim = None
        if key is not None:
            outcome = await idempotency.begin(outer, key)
            if isinstance(outcome, Replay):
                return outcome.to_response()
            claim = outcome
        async with idempotency.released_on_failure(outer, claim):
            results = await _submit_each(uows, ctx, body.encounters, engine)
            answer = StoredResponse(
                status.HTTP_200_OK,
                BulkEncountersOut(results=results, counts=dict(Counter(r.status for r in results)))
                .model_dump(mode="json", exclude_none=True),
            )
            if claim is not None:
                if any(r.status == "failed" for r in results):
                    await idempotency.release(outer, claim)  # a retry must try those items again
                else:
                    await idempotency.complete(outer, claim, answer)
                    await outer.commit()
    return answer.to_response()


async def _submit_each(
    uows: UnitOfWorkFactory, ctx: TenantContext, items: list[object], engine: EditEngine
) -> list[BulkItemResult]:
    today = date.today()
    results: list[BulkItemResult] = []
    for index, raw in enumerate(items):
        document, problems = validate_encounter(raw, today)
        if document is None:
            results.append(BulkItemResult(
                index=index, status="invalid", errors=problems,
                detail=f"{len(problems)} field(s) are invalid; see `errors`.",
            ))
            continue
        try:
            async with uows() as uow:
                result = await submit_encounter(
                    uow, SubmitEncounter(tenant_id=ctx.tenant_id, actor=ctx.actor, document=document), engine
                )
        except EncounterCodedConflict as exc:
            results.append(BulkItemResult(
                index=index, status="conflict", encounter_id=exc.extensions["encounter_id"], detail=exc.detail,
            ))
            continue
        except Exception:
            # Items before this one are stored; stop here rather than fail each remaining item alike.
            log.exception("bulk intake item failed", extra={"index": index})
            results.append(BulkItemResult(index=index, status="failed", detail="The service failed storing this item; retry it."))
            results.extend(
                BulkItemResult(index=rest, status="failed", detail="Not attempted after an earlier item failed; retry it.")
                for rest in range(index + 1, len(items))
            )
            break
        outcome = {IntakeOutcome.CREATED: "created", IntakeOutcome.UNCHANGED: "unchanged", IntakeOutcome.AMENDED: "amended"}
        results.append(BulkItemResult(
            index=index, status=outcome[result.outcome], encounter_id=result.encounter.id,  # type: ignore[arg-type]
            version=result.encounter.version,
        ))
    return results


@router.get("/encounters/{encounter_id}", response_model=EncounterOut, summary="One encounter")
async def get_one(encounter_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> EncounterOut:
    return EncounterOut.of(await get_encounter(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, encounter_id=encounter_id))


@router.get(
    "/encounters/{encounter_id}/versions", response_model=EncounterVersionsOut,
    summary="Every document the EHR sent for an encounter, oldest first",
)
async def get_versions(encounter_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> EncounterVersionsOut:
    encounter, versions = await get_encounter_versions(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, encounter_id=encounter_id)
    return EncounterVersionsOut(
        encounter_id=encounter.id,
        versions=[EncounterVersionOut.of(v, current=v.version == encounter.version) for v in versions],
    )


@router.get("/encounters", response_model=Page[EncounterOut], summary="Encounters, newest first")
async def get_many(
    ctx: CanRead,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    status_filter: Annotated[EncounterStatus | None, Query(alias="status")] = None,
    patient_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[EncounterOut]:
    found = await list_encounters(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, status=status_filter, patient_id=patient_id,
        limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([EncounterOut.of(e) for e in found], page)


router.include_router(intake)
router.include_router(coding_work.router)
router.include_router(physician_queries.router)
router.include_router(coding_policy.router)
