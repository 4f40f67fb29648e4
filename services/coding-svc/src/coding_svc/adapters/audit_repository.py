"""Coding audits and the release records the quality report reads, always inside one tenant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coding_svc.adapters.orm import coding_audits, coding_releases
from coding_svc.domain.coding_audit import AuditStatus, CodingAudit
from coding_svc.domain.encounter import CodeSet


@dataclass(frozen=True)
class ReleaseWork:
    """A coder's release and when their work on it began (their claim)."""

    coder: str
    claimed_at: datetime | None
    released_at: datetime


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, audit: CodingAudit) -> None:
        await self._session.execute(insert(coding_audits).values(**_to_row(audit)))

    async def save(self, audit: CodingAudit) -> None:
        await self._session.execute(
            update(coding_audits)
            .where(coding_audits.c.tenant_id == audit.tenant_id, coding_audits.c.id == audit.id)
            .values(**_to_row(audit))
        )

    async def get(self, tenant_id: str, audit_id: uuid.UUID, *, for_update: bool = False) -> CodingAudit | None:
        query = select(coding_audits).where(coding_audits.c.tenant_id == tenant_id, coding_audits.c.id == audit_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return _to_domain(row) if row else None

    async def list(
        self, tenant_id: str, *, status: AuditStatus | None, coder: str | None, limit: int, offset: int
    ) -> list[CodingAudit]:
        """Oldest selection first: the audits waiting longest head the list."""
        query = select(coding_audits).where(coding_audits.c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(coding_audits.c.status == status.value)
        if coder is not None:
            query = query.where(coding_audits.c.coder == coder)
        query = query.order_by(coding_audits.c.selected_at, coding_audits.c.id).limit(limit).offset(offset)
        return [_to_domain(row) for row in (await self._session.execute(query)).mappings()]

    async def completed_for_releases(
        self, tenant_id: str, released_from: datetime, released_before: datetime, coder: str | None
    ) -> list[CodingAudit]:
        query = select(coding_audits).where(
            coding_audits.c.tenant_id == tenant_id, coding_audits.c.status == AuditStatus.COMPLETED.value,
            coding_audits.c.released_at >= released_from, coding_audits.c.released_at < released_before,
        )
        if coder is not None:
            query = query.where(coding_audits.c.coder == coder)
        return [_to_domain(row) for row in (await self._session.execute(query)).mappings()]

    async def coder_releases(
        self, tenant_id: str, released_from: datetime, released_before: datetime, coder: str | None
    ) -> list[ReleaseWork]:
        """Releases by coders (not auto-releases) in the period."""
        t = coding_releases.c
        query = select(t.coder, t.claimed_at, t.released_at).where(
            t.tenant_id == tenant_id, t.coder.is_not(None), t.released_at >= released_from,
            t.released_at < released_before,
        )
        if coder is not None:
            query = query.where(t.coder == coder)
        return [ReleaseWork(r.coder, r.claimed_at, r.released_at) for r in await self._session.execute(query)]


def _to_row(audit: CodingAudit) -> dict[str, object]:
    return {
        "id": audit.id, "tenant_id": audit.tenant_id, "encounter_id": audit.encounter_id, "revision": audit.revision,
        "coder": audit.coder, "released_at": audit.released_at, "selected_at": audit.selected_at,
        "coder_codes": audit.coder_codes.model_dump(mode="json"), "status": audit.status.value,
        "auditor": audit.auditor, "audited_at": audit.audited_at,
        "auditor_codes": audit.auditor_codes.model_dump(mode="json") if audit.auditor_codes else None,
    }


def _to_domain(row) -> CodingAudit:  # type: ignore[no-untyped-def]
    return CodingAudit(
        id=row["id"], tenant_id=row["tenant_id"], encounter_id=row["encounter_id"], revision=row["revision"],
        coder=row["coder"], released_at=row["released_at"], selected_at=row["selected_at"],
        coder_codes=CodeSet.model_validate(row["coder_codes"]), status=AuditStatus(row["status"]),
        auditor=row["auditor"], audited_at=row["audited_at"],
        auditor_codes=CodeSet.model_validate(row["auditor_codes"]) if row["auditor_codes"] else None,
    )
