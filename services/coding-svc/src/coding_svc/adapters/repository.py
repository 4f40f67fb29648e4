"""Encounter repository: loads and saves the aggregate, always inside one tenant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coding_svc.adapters.orm import encounter_versions, encounters
from coding_svc.domain.encounter import Encounter, EncounterDocument, EncounterStatus, EncounterVersion


class EncounterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, encounter_id: uuid.UUID, *, for_update: bool = False) -> Encounter | None:
        query = select(encounters).where(encounters.c.tenant_id == tenant_id, encounters.c.id == encounter_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return _to_domain(row) if row else None

    async def find_by_external_id(
        self, tenant_id: str, source_system: str, external_id: str, *, for_update: bool = False
    ) -> Encounter | None:
        query = select(encounters).where(
            encounters.c.tenant_id == tenant_id,
            encounters.c.source_system == source_system,
            encounters.c.external_encounter_id == external_id,
        )
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return _to_domain(row) if row else None

    async def add(self, encounter: Encounter, now: datetime) -> None:
        row = _to_row(encounter)
        row["received_at"] = row["received_at"] or now
        await self._session.execute(insert(encounters).values(**row, created_at=now, updated_at=now))

    async def add_superseded_version(self, encounter: Encounter, superseded: EncounterVersion, now: datetime) -> None:
        await self._session.execute(
            insert(encounter_versions).values(
                encounter_id=encounter.id, version=superseded.version, tenant_id=encounter.tenant_id,
                document=superseded.document.model_dump(mode="json"), received_at=superseded.received_at or now,
                actor=superseded.received_by,
            )
        )

    async def superseded_versions(self, tenant_id: str, encounter_id: uuid.UUID) -> list[EncounterVersion]:
        rows = await self._session.execute(
            select(encounter_versions)
            .where(encounter_versions.c.tenant_id == tenant_id, encounter_versions.c.encounter_id == encounter_id)
            .order_by(encounter_versions.c.version)
        )
        return [
            EncounterVersion(
                version=row["version"], document=EncounterDocument.model_validate(row["document"]),
                received_at=row["received_at"], received_by=row["actor"],
            )
            for row in rows.mappings()
        ]

    async def save(self, encounter: Encounter, now: datetime) -> None:
        await self._session.execute(
            update(encounters)
            .where(encounters.c.tenant_id == encounter.tenant_id, encounters.c.id == encounter.id)
            .values(**_to_row(encounter), updated_at=now)
        )

    async def list(
        self, tenant_id: str, *, status: EncounterStatus | None, patient_id: str | None, limit: int, offset: int
    ) -> list[Encounter]:
        query = select(encounters).where(encounters.c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(encounters.c.status == status.value)
        if patient_id is not None:
            query = query.where(encounters.c.patient_id == patient_id)
        query = query.order_by(encounters.c.created_at.desc(), encounters.c.id).limit(limit).offset(offset)
        return [_to_domain(row) for row in (await self._session.execute(query)).mappings()]


def _to_row(encounter: Encounter) -> dict:
    doc = encounter.document
    return {
        "id": encounter.id,
        "tenant_id": encounter.tenant_id,
        "source_system": doc.source_system,
        "external_encounter_id": doc.external_encounter_id,
        "patient_id": doc.patient.patient_id,
        "status": encounter.status.value,
        "revision": encounter.revision,
        "service_date_from": doc.service_date_from,
        "service_date_to": doc.service_date_to,
        "document": doc.model_dump(mode="json"),
        "rework_reasons": encounter.rework_reasons,
        "coded_at": encounter.coded_at,
        "version": encounter.version,
        "received_at": encounter.received_at,
        "received_by": encounter.received_by,
    }


def _to_domain(row) -> Encounter:  # type: ignore[no-untyped-def]
    return Encounter(
        id=row["id"],
        tenant_id=row["tenant_id"],
        document=EncounterDocument.model_validate(row["document"]),
        status=EncounterStatus(row["status"]),
        revision=row["revision"],
        coded_at=row["coded_at"],
        rework_reasons=list(row["rework_reasons"] or []),
        version=row["version"],
        received_at=row["received_at"],
        received_by=row["received_by"],
    )
