"""HTTP routes of the tenant's reference data: the same six routes for each kind.

    GET    /v1/<kind>              list (paged; some kinds filter by a column)
    POST   /v1/<kind>              create (409 if the id exists)
    GET    /v1/<kind>/{key}        one
    PUT    /v1/<kind>/{key}        replace
    DELETE /v1/<kind>/{key}        delete
    POST   /v1/<kind>/import       CSV (text/csv, a header row): create or replace every row, or none

Roles: biller and practice_admin (and vendor_admin). Reference data holds no patient data, so
reads are not audited.

(No ``from __future__ import annotations`` here: the route functions are made per kind and FastAPI
reads their annotations, which must be real types.)
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import BaseModel, ValidationError

from claims_svc.application import reference as use
from claims_svc.application.reference import ReferenceContext, ReferenceRules, problem
from claims_svc.entrypoints.api.reference_schemas import ImportResult
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.pagination import Page, PageParamsDep
from openrcm_shared.problems import InvalidInput, validation_errors
from openrcm_shared.runtime import UnitOfWorkDep

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 20_000

CanManageReference = Annotated[TenantContext, Depends(require_roles(Role.BILLER, Role.PRACTICE_ADMIN))]


def reference_context(request: Request, ctx: CanManageReference) -> ReferenceContext:
    return ReferenceContext(tenant_id=ctx.tenant_id, clearinghouses=frozenset(request.app.state.settings.clearinghouse_connections()))


ReferenceContextDep = Annotated[ReferenceContext, Depends(reference_context)]


@dataclass(frozen=True)
class Resource:
    path: str
    rules: ReferenceRules[Any]
    body: type[BaseModel]  # the request body; its to_domain() makes the domain object
    out: type[BaseModel]  # the response body; its of() reads a domain object
    key_type: type
    csv_columns: tuple[str, ...]
    filters: tuple[str, ...] = ()
    #: Columns a file may leave out (their field then takes its default), e.g. ones added later.
    optional_csv_columns: tuple[str, ...] = ()
    to_domain: Callable[[Any, Any], Any] = lambda body, key: body.to_domain()


def add_reference_routes(router: APIRouter, resource: Resource) -> None:
    path, kind, body_type, out_type, key_type = (resource.path, resource.rules.kind.name, resource.body,
                                                 resource.out, resource.key_type)
    rules = resource.rules

    @router.get(f"/{path}", response_model=Page[out_type], summary=f"The tenant's {kind} list", tags=["reference data"])
    async def list_items(ctx: ReferenceContextDep, uow: UnitOfWorkDep, page: PageParamsDep, request: Request) -> Any:
        equal = {name: request.query_params.get(name) for name in resource.filters}
        found = await use.find(uow, ctx, rules, limit=page.limit + 1, offset=page.offset, **equal)
        return Page.of([out_type.of(item) for item in found], page)  # type: ignore[attr-defined]

    @router.post(f"/{path}", response_model=out_type, status_code=201, summary=f"Create a {kind}",
                 tags=["reference data"])
    async def create_item(item: Annotated[body_type, Body()], ctx: ReferenceContextDep, uow: UnitOfWorkDep) -> Any:
        return out_type.of(await use.create(uow, ctx, rules, resource.to_domain(item, None)))  # type: ignore[attr-defined]

    if resource.csv_columns:
        @router.post(f"/{path}/import", response_model=ImportResult, summary=f"Import {kind}s from CSV (all or nothing)",
                     tags=["reference data"], openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {
                         "type": "string", "description": "Header row: " + ",".join(resource.csv_columns)}}}}})
        async def import_items(request: Request, ctx: ReferenceContextDep, uow: UnitOfWorkDep) -> ImportResult:
            items, pointers = await _parse_csv(request, resource)
            created, replaced = await use.import_items(uow, ctx, rules, items, pointers)
            return ImportResult(created=created, replaced=replaced)

    @router.get(f"/{path}/{{key}}", response_model=out_type, summary=f"One {kind}", tags=["reference data"])
    async def get_item(key: key_type, ctx: ReferenceContextDep, uow: UnitOfWorkDep) -> Any:  # type: ignore[valid-type]
        return out_type.of(await use.get(uow, ctx, rules, key))  # type: ignore[attr-defined]

    @router.put(f"/{path}/{{key}}", response_model=out_type, summary=f"Replace a {kind}", tags=["reference data"])
    async def replace_item(key: key_type, item: Annotated[body_type, Body()],  # type: ignore[valid-type]
                           ctx: ReferenceContextDep, uow: UnitOfWorkDep) -> Any:
        return out_type.of(await use.replace_item(uow, ctx, rules, key, resource.to_domain(item, key)))  # type: ignore[attr-defined]

    @router.delete(f"/{path}/{{key}}", status_code=204, summary=f"Delete a {kind}", tags=["reference data"])
    async def delete_item(key: key_type, ctx: ReferenceContextDep, uow: UnitOfWorkDep) -> Response:  # type: ignore[valid-type]
        await use.delete(uow, ctx, rules, key)
        return Response(status_code=204)


async def _parse_csv(request: Request, resource: Resource) -> tuple[list[Any], list[str]]:
    """Every row validated; all problems of all rows at once (pointer /rows/<line>/<column>), or the items."""
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise InvalidInput(f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MiB; split it.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.", errors=[problem("", "not UTF-8", "encoding")]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    known = (*resource.csv_columns, *resource.optional_csv_columns)
    wrong = [problem(f"/header/{name}", "missing column", "missing_column")
             for name in resource.csv_columns if name not in header]
    wrong += [problem(f"/header/{name}", f"unknown column; the columns are {', '.join(known)}",
                      "unknown_column") for name in header if name not in known]
    if wrong:
        raise InvalidInput("The header row does not match the layout; nothing was imported.", errors=wrong)
    items, pointers, problems = [], [], []
    for row in reader:
        line = reader.line_num
        if len(items) + len(problems) >= MAX_CSV_ROWS:
            raise InvalidInput(f"More than {MAX_CSV_ROWS} rows; split the file.")
        if None in row:
            problems.append(problem(f"/rows/{line}", "more fields than the header has", "extra_fields"))
            continue
        values = {key: (value or "").strip() for key, value in row.items()}
        try:
            body = resource.body.model_validate(resource.body.from_csv(values))  # type: ignore[attr-defined]
        except ValidationError as invalid:
            for error in validation_errors(list(invalid.errors())):
                parts = error["pointer"].strip("/").split("/")
                column = "_".join(parts[:2]) if len(parts) > 1 and not parts[1].isdigit() else parts[0]
                problems.append({**error, "pointer": f"/rows/{line}/{column}"})
            continue
        items.append(resource.to_domain(body, None))
        pointers.append(f"/rows/{line}")
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the file; nothing was imported. See `errors`.",
                           errors=problems)
    if not items:
        raise InvalidInput("The file has no rows.", errors=[problem("/rows", "no rows after the header", "empty")])
    return items, pointers
