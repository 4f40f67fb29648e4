"""Use cases: a practice imports its procedure catalog (CSV) and reads it."""

from __future__ import annotations

from coding_svc.adapters.catalog_repository import CatalogRepository
from coding_svc.adapters.cms_files import ReferenceFileError, parse_procedure_catalog
from coding_svc.domain.codesets.procedures import CatalogEntry
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import InvalidInput


async def import_procedure_catalog(uow: UnitOfWork, *, tenant_id: str, actor: str, csv_text: str) -> int:
    """Replace the tenant's catalog with the file's rows: all of them, or none if any row is bad."""
    try:
        catalog = parse_procedure_catalog(csv_text.splitlines())
    except ReferenceFileError as exc:
        raise InvalidInput(
            f"The catalog has {exc.total} problem(s); nothing was imported. See `errors`.",
            errors=[
                {"pointer": f"/line/{p.line}" if p.line else "/", "location": "body", "field": p.field,
                 "message": p.reason, "code": "invalid"}
                for p in exc.problems
            ],
        ) from None
    await CatalogRepository(uow.session).replace(tenant_id, catalog, actor=actor, now=utcnow())
    uow.audit(tenant_id=tenant_id, actor=actor, action="import", entity_type="procedure_catalog",
              entity_id=tenant_id, details={"entries": len(catalog)})
    await uow.commit()
    return len(catalog)


async def list_procedure_catalog(
    uow: UnitOfWork, *, tenant_id: str, code_prefix: str | None, active: bool | None, limit: int, offset: int
) -> list[CatalogEntry]:
    return await CatalogRepository(uow.session).list(
        tenant_id, code_prefix=code_prefix, active=active, limit=limit, offset=offset
    )
