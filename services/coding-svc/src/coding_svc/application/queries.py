"""Read use cases. Reads of patient data are audited, so they commit the audit entry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from coding_svc.adapters.repository import EncounterRepository
from coding_svc.domain.encounter import Encounter, EncounterStatus, EncounterVersion
from coding_svc.domain.work_queue import QueueItem, WorkQueue
from openrcm_shared.db import UnitOfWork, utcnow
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
    await commit_listing(uow, tenant_id=tenant_id, actor=actor, entity_type="encounter", ids=(e.id for e in found))
    return found


async def commit_listing(
    uow: UnitOfWork, *, tenant_id: str, actor: str, entity_type: str, ids: Iterable[object], action: str = "list",
    **details: object,
) -> None:
    """Audit who listed which records (a list of patient data is a read of each), and commit it."""
    listed = [str(i) for i in ids]
    uow.audit(
        tenant_id=tenant_id, actor=actor, action=action, entity_type=entity_type, entity_id="*",
        details={**details, "count": len(listed), "ids": listed},
    )
    await uow.commit()


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


async def list_work_queue(
    uow: UnitOfWork, *, tenant_id: str, actor: str, queue: WorkQueue, claimed: bool | None, payer_id: str | None,
    limit: int, offset: int,
) -> list[QueueItem]:
    """One queue in working order (filing deadline, then age)."""
    now = utcnow()
    found = await EncounterRepository(uow.session).queue(
        tenant_id, queue.status, now=now, claimed=claimed, payer_id=payer_id, limit=limit, offset=offset
    )
    await commit_listing(uow, tenant_id=tenant_id, actor=actor, entity_type="encounter", ids=(e.id for e in found),
                         action="list_queue", queue=queue.value)
    return [QueueItem(encounter, now) for encounter in found]
