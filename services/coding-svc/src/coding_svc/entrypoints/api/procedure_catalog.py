"""A practice's procedure catalog: CSV import and listing. Descriptions are the practice's own words."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from coding_svc.application.procedure_catalog import import_procedure_catalog, list_procedure_catalog
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput
from openrcm_shared.runtime import UnitOfWorkDep

router = APIRouter(prefix="/v1", tags=["procedure catalog"])

CatalogAdmin = Annotated[TenantContext, Depends(require_roles(Role.PRACTICE_ADMIN))]
CatalogReader = Annotated[
    TenantContext, Depends(require_roles(Role.CODER, Role.CODING_AUDITOR, Role.BILLER, Role.PRACTICE_ADMIN))
]
MAX_CATALOG_BYTES = 5_000_000
_PROBLEM = {"content": {"application/problem+json": {}}}


class CatalogEntryOut(BaseModel):
    procedure_code: str
    modifier: str | None
    description: str
    default_charge: Decimal
    active: bool


class CatalogImportOut(BaseModel):
    entries: int


@router.put(
    "/procedure-catalog", response_model=CatalogImportOut,
    summary="Replace the practice's procedure catalog with a CSV file",
    description="Body: `text/csv` with the header `procedure_code,modifier,description,default_charge,active`. "
    "All rows load or none: a bad file answers 422 listing every bad line and field.",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
    responses={422: {"description": "Bad rows, listed; nothing imported.", **_PROBLEM}},
)
async def put_catalog(request: Request, ctx: CatalogAdmin, uow: UnitOfWorkDep) -> CatalogImportOut:
    count = await import_procedure_catalog(
        uow, tenant_id=ctx.tenant_id, actor=ctx.actor, csv_text=_csv_text(await request.body())
    )
    return CatalogImportOut(entries=count)


def _csv_text(body: bytes) -> str:
    problem = None
    if not body.strip():
        problem = "the body is empty; send the CSV file"
    elif len(body) > MAX_CATALOG_BYTES:
        problem = f"the file is larger than {MAX_CATALOG_BYTES:,} bytes"
    else:
        try:
            return body.decode("utf-8-sig")
        except UnicodeDecodeError:
            problem = "the file is not UTF-8 text"
    raise InvalidInput("The catalog file cannot be read.", errors=[
        {"pointer": "/", "location": "body", "message": problem, "code": "invalid"}
    ])


@router.get("/procedure-catalog", response_model=Page[CatalogEntryOut], summary="The practice's procedure catalog")
async def get_catalog(
    ctx: CatalogReader, uow: UnitOfWorkDep, page: PageParamsDep,
    code: Annotated[str | None, Query(max_length=5, description="Code prefix, e.g. 992.")] = None,
    active: bool | None = None,
) -> Page[CatalogEntryOut]:
    found = await list_procedure_catalog(uow, tenant_id=ctx.tenant_id, code_prefix=code, active=active,
                                         limit=page.limit + 1, offset=page.offset)
    return Page.of([CatalogEntryOut.model_validate(e, from_attributes=True) for e in found], page)
