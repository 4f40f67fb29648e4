"""Read use cases. Reads of patient data are audited, so they commit the audit entry."""

from __future__ import annotations

import uuid

from coding_svc.adapters.repository import EncounterRepository
from coding_svc.domain.encounter import Encounter, EncounterStatus, EncounterVersion
from openrcm_shared.db import UnitOfWork
from openrcm_shared.problems import NotFound


async def get_encounter(uow: UnitOfWork, *, tenant_id: str, actor: str, encounter_id: uuid.UUID) -> Encounter:
    encounter = await EncounterRepository(uow.session).get(tenant_id, encounter_id)
    if encounter is None:
        raise NotFound("No encounter with that id.")
    uow.audit(tenant_id=tenant_id, actor=actor, action="read", entity_type="encounter", entity_id=encounter_id)
    await uow.commit()
    return encounter


async def list_encounters(
    uow: UnitOfWork, *, tenant_id: str, actor: str, status: EncounterStatus | None, patient_id: str | None,
    limit: int, offset: int,
) -> list[Encounter]:
    found = await EncounterRepository(uow.session).list(
        tenant_id, status=status, patient_id=patient_id, limit=limit, offset=offset
    )
    uow.audit(
        tenant_id=tenant_id, actor=actor, action="list", entity_type="encounter", entity_id="*",
        details={"count": len(found), "ids": [str(e.id) for e in found]},
    )
    await uow.commit()
    return found


async def get_encounter_versions(
    uow: UnitOfWork, *, tenant_id: str, actor: str, encounter_id: uuid.UUID
) -> tuple[Encounter, list[EncounterVersion]]:
    """Every document the EHR sent for the encounter, oldest first; the last one is the current."""
    repo = EncounterRepository(uow.session)
    encounter = await repo.get(tenant_id, encounter_id)
    if encounter is None:
        raise NotFound("No encounter with that id.")
    versions = [*await repo.superseded_versions(tenant_id, encounter_id), encounter.current_version]
    uow.audit(
        tenant_id=tenant_id, actor=actor, action="read_versions", entity_type="encounter", entity_id=encounter_id,
        details={"versions": len(versions)},
    )
    await uow.commit()
    return encounter, versions
