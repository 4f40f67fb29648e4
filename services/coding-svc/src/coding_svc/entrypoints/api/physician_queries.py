"""Physician queries: coders ask, providers answer through the EHR, everyone reads the aging lists."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from coding_svc.application.coding_work import CoderAction
from coding_svc.application.physician_queries import (
    AnswerQuery, AskQuery, answer_query, ask_query, get_query, list_queries, withdraw_query,
)
from coding_svc.domain.physician_query import QueryStatus
from coding_svc.entrypoints.api.errors import WorkflowRoute
from coding_svc.entrypoints.api.roles import Coder, QueryAnswerer, QueryReader
from coding_svc.entrypoints.api.schemas import AnswerIn, QueryIn, QueryOut
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.runtime import UnitOfWorkDep

router = APIRouter(tags=["physician queries"], route_class=WorkflowRoute)

_PROBLEM = {"content": {"application/problem+json": {}}}
StatusParam = Annotated[QueryStatus | None, Query(alias="status", description="open, answered or withdrawn.")]
NpiPath = Annotated[str, Path(pattern=r"^\d{10}$", description="The provider's NPI.")]


@router.post(
    "/encounters/{encounter_id}/queries", response_model=QueryOut, status_code=status.HTTP_201_CREATED,
    summary="Ask the provider a question about the encounter",
    description="The claim holder asks (free text, or options to pick from). The encounter waits in "
    "query_pending, unclaimed, until the answer, which sends it back to the asking coder.",
    responses={409: {"description": "You do not hold the encounter, or it is not being coded.", **_PROBLEM},
               404: {"description": "No such encounter in this tenant.", **_PROBLEM}},
)
async def post_query(encounter_id: uuid.UUID, body: QueryIn, ctx: Coder, uow: UnitOfWorkDep) -> QueryOut:
    query = await ask_query(uow, AskQuery(
        action=CoderAction(ctx.tenant_id, ctx.actor, encounter_id), question=body.question,
        options=tuple(body.options) if body.options is not None else None, provider_npi=body.provider_npi,
    ))
    return QueryOut.of(query)


@router.post(
    "/queries/{query_id}/answer", response_model=QueryOut, summary="Answer a query (the provider, through the EHR)",
    description="A query with options takes exactly one of them in `chosen_option` (and an optional comment in "
    "`answer`); a free-text query takes `answer`. The encounter returns to its queue, claimed again by the coder "
    "who asked.",
    responses={409: {"description": "The query is no longer open.", **_PROBLEM},
               422: {"description": "The answer does not fit the query.", **_PROBLEM}},
)
async def post_answer(query_id: uuid.UUID, body: AnswerIn, ctx: QueryAnswerer, uow: UnitOfWorkDep) -> QueryOut:
    return QueryOut.of(await answer_query(uow, AnswerQuery(
        tenant_id=ctx.tenant_id, actor=ctx.actor, query_id=query_id, answer=body.answer,
        chosen_option=body.chosen_option,
    )))


@router.post(
    "/queries/{query_id}/withdraw", response_model=QueryOut, summary="Withdraw an open query",
    description="The encounter returns to its queue, claimed by the coder who withdrew the query.",
    responses={409: {"description": "The query is no longer open.", **_PROBLEM}},
)
async def post_withdraw(query_id: uuid.UUID, ctx: Coder, uow: UnitOfWorkDep) -> QueryOut:
    return QueryOut.of(await withdraw_query(uow, tenant_id=ctx.tenant_id, coder=ctx.actor, query_id=query_id))


@router.get("/queries/{query_id}", response_model=QueryOut, summary="One physician query")
async def get_one_query(query_id: uuid.UUID, ctx: QueryReader, uow: UnitOfWorkDep) -> QueryOut:
    return QueryOut.of(await get_query(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, query_id=query_id))


@router.get(
    "/queries", response_model=Page[QueryOut], summary="Physician queries, longest waiting first",
    description="Each with its age in days and aging bucket (0-2, 3-7, 8-14, 15+).",
)
async def get_queries(
    ctx: QueryReader, uow: UnitOfWorkDep, page: PageParamsDep, status_filter: StatusParam = None,
    provider_npi: Annotated[str | None, Query(pattern=r"^\d{10}$")] = None,
    encounter_id: uuid.UUID | None = None,
) -> Page[QueryOut]:
    return await _page(ctx.tenant_id, ctx.actor, uow, page, status_filter, provider_npi, encounter_id)


@router.get(
    "/providers/{npi}/queries", response_model=Page[QueryOut], summary="One provider's queries, longest waiting first",
)
async def get_provider_queries(
    npi: NpiPath, ctx: QueryReader, uow: UnitOfWorkDep, page: PageParamsDep, status_filter: StatusParam = None,
) -> Page[QueryOut]:
    return await _page(ctx.tenant_id, ctx.actor, uow, page, status_filter, npi, None)


async def _page(tenant_id, actor, uow, page, status_filter, provider_npi, encounter_id) -> Page[QueryOut]:  # type: ignore[no-untyped-def]
    found = await list_queries(
        uow, tenant_id=tenant_id, actor=actor, status=status_filter, provider_npi=provider_npi,
        encounter_id=encounter_id, limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([QueryOut.of(q) for q in found], page)
