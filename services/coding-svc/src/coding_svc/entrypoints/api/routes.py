from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from coding_svc.application.intake import SubmitEncounter, submit_encounter
from coding_svc.application.queries import get_encounter, list_encounters
from coding_svc.domain.encounter import EncounterStatus
from coding_svc.domain.intake_rules import cross_field_problems
from coding_svc.entrypoints.api.schemas import EncounterIn, EncounterOut
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput
from openrcm_shared.runtime import UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["encounters"])

CanSubmit = Annotated[TenantContext, Depends(require_roles(Role.EHR_INTEGRATION, Role.CODER, Role.PRACTICE_ADMIN))]
CanRead = Annotated[
    TenantContext,
    Depends(require_roles(Role.CODER, Role.CODING_AUDITOR, Role.EHR_INTEGRATION, Role.BILLER, Role.PRACTICE_ADMIN)),
]


@router.post(
    "/encounters",
    response_model=EncounterOut,
    status_code=status.HTTP_201_CREATED,
    summary="Submit an encounter from an EHR",
    responses={200: {"description": "Already received (same source system and external id): the stored encounter."}},
)
async def post_encounter(body: EncounterIn, ctx: CanSubmit, uow: UnitOfWorkDep, response: Response) -> EncounterOut:
    document = body.to_document()
    problems = cross_field_problems(document, date.today())
    if problems:
        raise InvalidInput(f"{len(problems)} field(s) are invalid; see `errors`.", errors=problems)
    result = await submit_encounter(uow, SubmitEncounter(tenant_id=ctx.tenant_id, actor=ctx.actor, document=document))
    response.headers["Location"] = f"/v1/encounters/{result.encounter.id}"
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return EncounterOut.of(result.encounter)


@router.get("/encounters/{encounter_id}", response_model=EncounterOut, summary="One encounter")
async def get_one(encounter_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> EncounterOut:
    return EncounterOut.of(await get_encounter(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, encounter_id=encounter_id))


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
