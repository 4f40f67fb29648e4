from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput, ProblemError
from openrcm_shared.runtime import UnitOfWorkDep
from payments_svc.application.era_files import ReceiveEraFile, get_era_file, receive_era_file
from payments_svc.application.policy import set_posting_settings
from payments_svc.application.queries import (
    get_posting_settings, get_remittance, list_expected_claims, list_remittance_claims, list_remittances,
    list_unmatched_claims,
)
from payments_svc.application.remittances import (
    ConfirmRemittance, PostRemittance, confirm_remittance, post_remittance,
)
from payments_svc.domain.remittance_rules import cross_field_problems
from payments_svc.entrypoints.api.schemas import (
    ConfirmIn, EraFileOut, ExpectedClaimOut, PostingSettingsIn, PostingSettingsOut, RemitClaimOut, RemittanceIn,
    RemittanceOut, RemittanceSummaryOut,
)

router = APIRouter(prefix="/v1")

CanPost = Annotated[TenantContext, Depends(require_roles(Role.PAYMENT_POSTER, Role.PRACTICE_ADMIN))]
CanRead = Annotated[TenantContext, Depends(require_roles(Role.PAYMENT_POSTER, Role.BILLER, Role.PRACTICE_ADMIN))]
CanAdminister = Annotated[TenantContext, Depends(require_roles(Role.PRACTICE_ADMIN))]
DryRun = Annotated[bool, Query(description="Compute exactly what would be stored and posted, store nothing.")]

#: Content types read as a raw X12 835 body.
X12_CONTENT_TYPES = frozenset({"application/edi-x12", "application/x12", "application/edi", "text/plain",
                               "application/octet-stream", "text/x12"})
#: An 835 of 50,000 claims is ~20 MB.
MAX_X12_BYTES = 64 * 1024 * 1024


class UnsupportedMediaType(ProblemError):
    status = 415
    type_slug = "unsupported-media-type"
    title = "Unsupported content type"


class PayloadTooLarge(ProblemError):
    status = 413
    type_slug = "payload-too-large"
    title = "The file is too large"


_REMITTANCE_BODY = {
    "requestBody": {
        "required": True,
        "description": "A remittance keyed in from paper (JSON), or an X12 835 file: the raw body, or a multipart "
                       "form with the file in `file`.",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/RemittanceIn"}},
            "application/edi-x12": {"schema": {"type": "string"}},
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                               "properties": {"file": {"type": "string", "format": "binary"}}}},
        },
    }
}


@router.post(
    "/remittances",
    response_model=RemittanceOut | EraFileOut,
    status_code=status.HTTP_201_CREATED,
    tags=["remittances"],
    summary="Post a remittance keyed in from paper (JSON), or receive an X12 835 file (raw body or multipart)",
    description="JSON: the remittance is staged and posted at once (201, `RemittanceOut`). X12 835: the file is "
    "stored and each payment in it staged, and posted at once when the tenant allows clean remittances to post; "
    "otherwise it waits for `POST /v1/remittances/{id}/post` (201, `EraFileOut`). The same file again answers with "
    "the earlier result (200, `replayed`). `dry_run=true` answers what would happen (200) and stores nothing.",
    responses={
        200: {"description": "Dry run, or the same 835 file received before (`replayed`)."},
        409: {"description": "JSON: the same payment (payer, trace number, amount) was already received; "
                             "`remittance_id` names it."},
        413: {"description": "The file is larger than 64 MB."},
        415: {"description": "Neither JSON, X12 nor multipart."},
        422: {"description": "Invalid fields; for X12, every problem with its segment number and element."},
    },
    openapi_extra=_REMITTANCE_BODY,
)
async def post_one(
    request: Request, ctx: CanPost, uow: UnitOfWorkDep, response: Response, dry_run: DryRun = False,
) -> RemittanceOut | EraFileOut:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return await _post_json(request, ctx, uow, response, dry_run)
    if content_type == "multipart/form-data":
        content, filename = await _uploaded_file(request)
    elif content_type in X12_CONTENT_TYPES:
        content, filename = await _limited_body(request), None
    else:
        raise UnsupportedMediaType("Send JSON (application/json), an X12 835 file (application/edi-x12) or a "
                                   "multipart form with the file in `file`.")
    result = await receive_era_file(uow, ReceiveEraFile(tenant_id=ctx.tenant_id, actor=ctx.actor, content=content,
                                                        filename=filename, dry_run=dry_run))
    if result.replayed or result.dry_run:
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"/v1/remittance-files/{result.era_file.id}"
    return EraFileOut.of(result)


async def _post_json(request: Request, ctx: TenantContext, uow: Any, response: Response, dry_run: bool) -> RemittanceOut:
    try:
        body = RemittanceIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    document = body.to_document()
    problems = cross_field_problems(document, date.today())
    if problems:
        raise InvalidInput(f"{len(problems)} field(s) are invalid; see `errors`.", errors=problems)
    remittance = await post_remittance(uow, PostRemittance(tenant_id=ctx.tenant_id, actor=ctx.actor, document=document,
                                                           dry_run=dry_run))
    if dry_run:
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"/v1/remittances/{remittance.id}"
    return RemittanceOut.of_remittance(remittance)


async def _uploaded_file(request: Request) -> tuple[bytes, str | None]:
    form = await request.form(max_files=1, max_fields=10, max_part_size=MAX_X12_BYTES)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("Send the 835 file in the form field `file`.", errors=[
            {"pointer": "/file", "location": "body", "message": "a file is required", "code": "missing"}])
    content = await upload.read(MAX_X12_BYTES + 1)
    if len(content) > MAX_X12_BYTES:
        raise PayloadTooLarge("An 835 file may have at most 64 MB.")
    return content, upload.filename


async def _limited_body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_X12_BYTES:
            raise PayloadTooLarge("An 835 file may have at most 64 MB.")
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("/remittances", response_model=Page[RemittanceSummaryOut], tags=["remittances"],
            summary="Remittances (payments), newest first; `reconciled=false` lists posted payments not yet matched "
                    "to a bank deposit")
async def get_many(
    ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep, reconciled: Annotated[bool | None, Query()] = None,
) -> Page[RemittanceSummaryOut]:
    found = await list_remittances(uow, tenant_id=ctx.tenant_id, limit=page.limit + 1, offset=page.offset,
                                   reconciled=reconciled)
    return Page.of([RemittanceSummaryOut.of(s) for s in found], page)


# Declared before /remittances/{remittance_id} so the literal paths are not read as an id.
@router.get("/remittances/unmatched-claims", response_model=Page[RemitClaimOut], tags=["remittances"],
            summary="Posted remittance claims that match no submitted claim yet, oldest first; one leaves the "
                    "queue, and is posted, when its ClaimSubmitted arrives")
async def get_unmatched(ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep) -> Page[RemitClaimOut]:
    found = await list_unmatched_claims(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, limit=page.limit + 1,
                                        offset=page.offset)
    return Page.of([RemitClaimOut.of(c) for c in found], page)


@router.get("/remittances/unmatched-lines", response_model=Page[RemitClaimOut], tags=["remittances"],
            summary="Posted claims with service lines that match none of the submitted lines (see `line_matches`)")
async def get_unmatched_lines(ctx: CanRead, uow: UnitOfWorkDep, page: PageParamsDep) -> Page[RemitClaimOut]:
    found = await list_unmatched_claims(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, limit=page.limit + 1,
                                        offset=page.offset, lines=True)
    return Page.of([RemitClaimOut.of(c) for c in found], page)


@router.get("/remittances/{remittance_id}", response_model=RemittanceOut, tags=["remittances"],
            summary="One remittance with its claims, lines, adjustments, matches and balance status; for a pending "
                    "one, the preview of what posting will do")
async def get_one(remittance_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> RemittanceOut:
    remittance = await get_remittance(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, remittance_id=remittance_id)
    return RemittanceOut.of_remittance(remittance)


@router.get("/remittances/{remittance_id}/claims", response_model=Page[RemitClaimOut], tags=["remittances"],
            summary="A page of a remittance's claims in file order (for large 835 payments)")
async def get_claims(remittance_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep,
                     page: PageParamsDep) -> Page[RemitClaimOut]:
    remittance = await get_remittance(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, remittance_id=remittance_id,
                                      with_claims=False)
    found = await list_remittance_claims(uow, tenant_id=ctx.tenant_id, actor=ctx.actor, remittance_id=remittance_id,
                                         limit=page.limit + 1, offset=page.offset)
    preview = remittance.status.value == "pending"
    return Page.of([RemitClaimOut.of(c, preview=preview) for c in found], page)


@router.post("/remittances/{remittance_id}/post", response_model=RemittanceSummaryOut, tags=["remittances"],
             summary="Post a staged (pending) remittance after reviewing its preview",
             responses={409: {"description": "Already posted, or the payment does not balance and "
                                             "`accept_out_of_balance` was not set."}})
async def post_staged_one(
    remittance_id: uuid.UUID, ctx: CanPost, uow: UnitOfWorkDep, body: ConfirmIn | None = None,
) -> RemittanceSummaryOut:
    command = ConfirmRemittance(tenant_id=ctx.tenant_id, actor=ctx.actor, remittance_id=remittance_id,
                                accept_out_of_balance=body.accept_out_of_balance if body else False)
    return RemittanceSummaryOut.of((await confirm_remittance(uow, command)).summary())


@router.get("/remittance-files/{era_file_id}", response_model=EraFileOut, tags=["remittances"],
            summary="An 835 file as received: its payments and what became of each")
async def get_file(era_file_id: uuid.UUID, ctx: CanRead, uow: UnitOfWorkDep) -> EraFileOut:
    return EraFileOut.of(await get_era_file(uow, tenant_id=ctx.tenant_id, era_file_id=era_file_id))


@router.get("/posting-settings", response_model=PostingSettingsOut, tags=["settings"],
            summary="The tenant's posting policy")
async def get_settings(ctx: CanRead, uow: UnitOfWorkDep) -> PostingSettingsOut:
    return PostingSettingsOut.of(await get_posting_settings(uow, tenant_id=ctx.tenant_id))


@router.put("/posting-settings", response_model=PostingSettingsOut, tags=["settings"],
            summary="Let clean 835 remittances post without a payment poster's confirmation (practice admins)")
async def put_settings(body: PostingSettingsIn, ctx: CanAdminister, uow: UnitOfWorkDep) -> PostingSettingsOut:
    settings = await set_posting_settings(uow, tenant_id=ctx.tenant_id, actor=ctx.actor,
                                          auto_post_clean_remits=body.auto_post_clean_remits)
    return PostingSettingsOut.of(settings)


@router.get("/expected-claims", response_model=Page[ExpectedClaimOut], tags=["expected claims"],
            summary="Submitted claims awaiting a payer's answer, newest first")
async def get_expected_claims(
    ctx: CanRead,
    uow: UnitOfWorkDep,
    page: PageParamsDep,
    patient_control_number: Annotated[str | None, Query(min_length=1, max_length=38)] = None,
) -> Page[ExpectedClaimOut]:
    found = await list_expected_claims(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, patient_control_number=patient_control_number,
        limit=page.limit + 1, offset=page.offset,
    )
    return Page.of([ExpectedClaimOut.of(c) for c in found], page)
