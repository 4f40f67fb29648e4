from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from claims_svc.adapters.batch_repository import BatchRepository
from claims_svc.application import appeals, work_queue
from claims_svc.application.acknowledgments import ingest
from claims_svc.application.batches import send_batch, submit_ready_claims
from claims_svc.application.queries import get_claim, list_claims, list_denials
from claims_svc.application.reference import BILLING_PROFILE_RULES, FEE_RULES, PAYER_RULES, ROUTE_RULES
from claims_svc.domain.claim import ClaimStatus
from claims_svc.domain.denial import DenialStatus
from claims_svc.entrypoints.api.reference_routes import Resource, add_reference_routes
from claims_svc.entrypoints.api.reference_schemas import (
    BillingProfileIn, FeeScheduleEntryIn, FeeScheduleEntryOut, PayerIn, RouteIn,
)
from claims_svc.entrypoints.api.schemas import (
    AppealIn, AppealOut, BatchOut, BatchRequestIn, ClaimOut, ClaimSummaryOut, CloseIn, CorrectionIn, DenialOut,
    FollowUpOut, WorkItemOut,
)
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.db import utcnow
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput, NotFound
from openrcm_shared.runtime import UnitOfWorkDep, UnitOfWorkFactoryDep

MAX_ACKNOWLEDGMENT_BYTES = 20 * 1024 * 1024

router = APIRouter(prefix="/v1", tags=["claims"])

CanReadClaims = Annotated[
    TenantContext, Depends(require_roles(Role.BILLER, Role.PRACTICE_ADMIN, Role.PAYMENT_POSTER, Role.CODER))
]
CanWorkDenials = Annotated[TenantContext, Depends(require_roles(Role.BILLER, Role.PRACTICE_ADMIN))]
#: Working claims (the queue, corrections, batches, acknowledgements): the billing department.
CanBill = Annotated[TenantContext, Depends(require_roles(Role.BILLER, Role.PRACTICE_ADMIN))]

add_reference_routes(router, Resource(
    "payers", PAYER_RULES, PayerIn, PayerIn, str, filters=("route_id",),
    csv_columns=("payer_id", "name", "claim_filing_indicator", "timely_filing_days", "prior_auth_procedures",
                 "route_id", "appeal_days", "address_line1", "address_line2", "address_city", "address_state", "address_postal_code"),
    optional_csv_columns=("follow_up_days",)))
add_reference_routes(router, Resource(
    "fee-schedule", FEE_RULES, FeeScheduleEntryIn, FeeScheduleEntryOut, uuid.UUID, filters=("procedure_code",),
    csv_columns=("procedure_code", "modifier", "charge", "effective_from", "effective_to"),
    to_domain=lambda body, key: body.to_domain(key)))
add_reference_routes(router, Resource(
    "billing-profiles", BILLING_PROFILE_RULES, BillingProfileIn, BillingProfileIn, str,
    csv_columns=("npi", "organization_name", "tax_id", "taxonomy", "address_line1", "address_line2", "address_city",
                 "address_state", "address_postal_code", "pay_to_address_line1", "pay_to_address_line2",
                 "pay_to_address_city", "pay_to_address_state", "pay_to_address_postal_code")))
add_reference_routes(router, Resource("routes", ROUTE_RULES, RouteIn, RouteIn, str, csv_columns=()))


@router.get("/claims", response_model=Page[ClaimSummaryOut], summary="Claims, newest first")
async def get_claims(
    ctx: CanReadClaims,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    status_filter: Annotated[ClaimStatus | None, Query(alias="status")] = None,
    encounter_id: uuid.UUID | None = None,
    patient_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[ClaimSummaryOut]:
    found = await list_claims(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, status=status_filter, encounter_id=encounter_id,
        patient_id=patient_id, limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([ClaimSummaryOut.of(claim) for claim in found], page)


@router.get("/claims/{claim_id}", response_model=ClaimOut, summary="One claim with its lines, status history and denials")
async def get_one_claim(claim_id: uuid.UUID, ctx: CanReadClaims, uow: UnitOfWorkDep) -> ClaimOut:
    return ClaimOut.of(await get_claim(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id))


@router.get("/denials", response_model=Page[DenialOut], summary="Billing denial work queue, oldest first")
async def get_denials(
    ctx: CanWorkDenials,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    status_filter: Annotated[DenialStatus | None, Query(alias="status")] = None,
) -> Page[DenialOut]:
    found = await list_denials(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, status=status_filter, limit=page.limit + 1, offset=page.offset
    )
    return Page.of([DenialOut.of(denial) for denial in found], page)


# ---------------------------------------------------------------- the billing work queue
@router.get("/work-queue", response_model=Page[WorkItemOut], tags=["work queue"],
            summary="Claims held by the scrubber or rejected by a 999/277CA, longest waiting first")
async def get_work_queue(ctx: CanBill, uow: UnitOfWorkDep, page: PageParamsDep) -> Page[WorkItemOut]:
    found = await work_queue.work_queue(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, limit=page.limit + 1,
                                        offset=page.offset)
    return Page.of([WorkItemOut.of(claim) for claim in found], page)


async def _detail(uow: UnitOfWorkDep, ctx: TenantContext, claim_id: uuid.UUID) -> ClaimOut:
    return ClaimOut.of(await get_claim(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id))


@router.post("/claims/{claim_id}/scrub", response_model=ClaimOut, tags=["work queue"],
             summary="Scrub a held or rejected claim again (after fixing reference data or the EHR)")
async def post_scrub(claim_id: uuid.UUID, ctx: CanBill, uow: UnitOfWorkDep, uow_factory: UnitOfWorkFactoryDep) -> ClaimOut:
    await work_queue.rescrub(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id)
    async with uow_factory() as read:
        return await _detail(read, ctx, claim_id)


@router.post("/claims/{claim_id}/corrections", response_model=ClaimOut, tags=["work queue"],
             summary="Correct a held or rejected claim; it is scrubbed again and, if clean, goes out in the next batch")
async def post_correction(claim_id: uuid.UUID, body: Annotated[CorrectionIn, Body()], ctx: CanBill,
                          uow: UnitOfWorkDep, uow_factory: UnitOfWorkFactoryDep) -> ClaimOut:
    await work_queue.correct(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id,
                             correction=body.to_domain())
    async with uow_factory() as read:
        return await _detail(read, ctx, claim_id)


@router.post("/claims/{claim_id}/close", response_model=ClaimOut, tags=["work queue"],
             summary="Close a claim the payer never adjudicated")
async def post_close(claim_id: uuid.UUID, body: Annotated[CloseIn, Body()], ctx: CanBill, uow: UnitOfWorkDep,
                     uow_factory: UnitOfWorkFactoryDep) -> ClaimOut:
    await work_queue.close(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id, reason=body.reason)
    async with uow_factory() as read:
        return await _detail(read, ctx, claim_id)


# ---------------------------------------------------------------- appeals and A/R follow-up
@router.post("/claims/{claim_id}/appeals", response_model=AppealOut, status_code=201, tags=["appeals"],
             summary="Appeal a denied or partially paid claim: the letter and the payer's deadline")
async def post_appeal(claim_id: uuid.UUID, body: Annotated[AppealIn, Body()], ctx: CanBill,
                      uow: UnitOfWorkDep) -> AppealOut:
    return AppealOut.of(await appeals.appeal(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id,
                                             argument=body.argument))


@router.get("/claims/{claim_id}/appeals", response_model=list[AppealOut], tags=["appeals"],
            summary="A claim's appeals with their letters (audited)")
async def get_appeals(claim_id: uuid.UUID, ctx: CanBill, uow: UnitOfWorkDep) -> list[AppealOut]:
    found = await appeals.appeals_of(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, claim_id=claim_id)
    return [AppealOut.of(appeal) for appeal in found]


@router.get("/follow-up", response_model=Page[FollowUpOut], tags=["work queue"],
            summary="A/R follow-up: claims at the payer with no news past the payer's follow-up days, oldest "
                    "and largest first")
async def get_follow_up(
    ctx: CanBill, uow: UnitOfWorkDep, page: PageParamsDep,
    min_age_days: Annotated[int | None, Query(ge=0, le=3650, description="Same threshold for every payer, "
                                               "instead of each payer's follow_up_days.")] = None,
) -> Page[FollowUpOut]:
    found = await appeals.follow_up(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, min_age_days=min_age_days,
                                    limit=page.limit + 1, offset=page.offset)
    today = utcnow().date()
    return Page.of([FollowUpOut.of(claim, today) for claim in found], page)


# ---------------------------------------------------------------- batches
@router.post("/batches", response_model=list[BatchOut], status_code=201, tags=["batches"],
             summary="Batch the READY claims per route as 837P files and hand them to the clearinghouses")
async def post_batches(request: Request, ctx: CanBill, uow_factory: UnitOfWorkFactoryDep,
                       body: Annotated[BatchRequestIn | None, Body()] = None) -> list[BatchOut]:
    batches = await submit_ready_claims(
        uow_factory, request.app.state.clearinghouses, tenant_id=ctx.tenant_id, actor=ctx.actor,
        max_claims=request.app.state.settings.batch_max_claims, route_id=body.route_id if body else None)
    return [BatchOut.of(batch) for batch in batches]


@router.get("/batches", response_model=Page[BatchOut], tags=["batches"], summary="Batches, newest first")
async def get_batches(ctx: CanBill, uow: UnitOfWorkDep, page: PageParamsDep,
                      status_filter: Annotated[str | None, Query(alias="status", pattern="^(built|sent)$")] = None,
                      ) -> Page[BatchOut]:
    found = await BatchRepository(uow.session).list(ctx.tenant_id, status=status_filter, limit=page.limit + 1,
                                                    offset=page.offset)
    return Page.of([BatchOut.of(batch) for batch in found], page)


@router.get("/batches/{batch_id}", response_model=BatchOut, tags=["batches"], summary="One batch")
async def get_batch(batch_id: uuid.UUID, ctx: CanBill, uow: UnitOfWorkDep) -> BatchOut:
    batch = await BatchRepository(uow.session).get(ctx.tenant_id, batch_id)
    if batch is None:
        raise NotFound("No batch with that id.")
    return BatchOut.of(batch)


@router.get("/batches/{batch_id}/file", response_class=PlainTextResponse, tags=["batches"],
            summary="The 837P file as it was handed over (audited: it holds patient data)")
async def get_batch_file(batch_id: uuid.UUID, ctx: CanBill, uow: UnitOfWorkDep) -> PlainTextResponse:
    content = await BatchRepository(uow.session).content(ctx.tenant_id, batch_id)
    if content is None:
        raise NotFound("No batch with that id.")
    uow.audit(tenant_id=ctx.tenant_id, actor=ctx.actor, action="read", entity_type="claim_batch", entity_id=batch_id)
    await uow.commit()
    return PlainTextResponse(content, media_type="application/edi-x12")


@router.post("/batches/{batch_id}/send", response_model=BatchOut, tags=["batches"],
             summary="Hand a built batch to its clearinghouse again (sending is idempotent per batch)")
async def post_batch_send(batch_id: uuid.UUID, request: Request, ctx: CanBill,
                          uow_factory: UnitOfWorkFactoryDep) -> BatchOut:
    batch = await send_batch(uow_factory, request.app.state.clearinghouses, tenant_id=ctx.tenant_id,
                             batch_id=batch_id, actor=ctx.actor)
    return BatchOut.of(batch)


# ---------------------------------------------------------------- acknowledgements
@router.post("/acknowledgments", tags=["acknowledgements"],
             summary="Ingest a 999 or 277CA file (the X12 text as the body); the same file twice changes nothing",
             openapi_extra={"requestBody": {"content": {"application/edi-x12": {"schema": {"type": "string"}}}}})
async def post_acknowledgment(request: Request, ctx: CanBill, uow: UnitOfWorkDep) -> dict:
    raw = await request.body()
    if not raw.strip() or len(raw) > MAX_ACKNOWLEDGMENT_BYTES:
        raise InvalidInput("Send the 999 or 277CA file as the request body (at most 20 MiB).", errors=[
            {"pointer": "", "location": "body", "message": "empty or too large", "code": "body"}])
    return await ingest(uow, tenant_id=ctx.tenant_id, content=raw.decode("utf-8", errors="replace"),
                        source=f"api:{ctx.actor}", actor=ctx.actor)
