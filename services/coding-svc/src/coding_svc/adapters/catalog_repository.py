"""A tenant's procedure catalog: their own descriptions and default charges per code (and modifier)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from coding_svc.adapters.orm import procedure_catalog
from coding_svc.domain.codesets.procedures import CatalogEntry, ProcedureCatalog

NO_MODIFIER = ""  # part of the primary key, so "none" is an empty string rather than NULL


class CatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def replace(self, tenant_id: str, catalog: ProcedureCatalog, *, actor: str, now: datetime) -> None:
        await self._session.execute(delete(procedure_catalog).where(procedure_catalog.c.tenant_id == tenant_id))
        rows = [
            {
                "tenant_id": tenant_id, "procedure_code": e.procedure_code, "modifier": e.modifier or NO_MODIFIER,
                "description": e.description, "default_charge": e.default_charge, "active": e.active,
                "imported_at": now, "imported_by": actor,
            }
            for e in catalog.entries()
        ]
        if rows:
            await self._session.execute(insert(procedure_catalog), rows)

    async def list(
        self, tenant_id: str, *, code_prefix: str | None, active: bool | None, limit: int, offset: int
    ) -> list[CatalogEntry]:
        t = procedure_catalog.c
        query = select(procedure_catalog).where(t.tenant_id == tenant_id)
        if code_prefix:
            query = query.where(t.procedure_code.startswith(code_prefix, autoescape=True))
        if active is not None:
            query = query.where(t.active == active)
        query = query.order_by(t.procedure_code, t.modifier).limit(limit).offset(offset)
        return [_entry(row) for row in (await self._session.execute(query)).mappings()]


def _entry(row) -> CatalogEntry:  # type: ignore[no-untyped-def]
    return CatalogEntry(
        procedure_code=row["procedure_code"], modifier=row["modifier"] or None, description=row["description"],
        default_charge=row["default_charge"], active=row["active"],
    )
