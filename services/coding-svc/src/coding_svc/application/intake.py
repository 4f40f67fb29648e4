"""Use case: an EHR submits an encounter."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from coding_svc import SERVICE_NAME
from coding_svc.adapters.repository import EncounterRepository
from coding_svc.domain.encounter import Encounter, EncounterDocument
from openrcm_shared.contracts import EventEnvelope
from openrcm_shared.db import UnitOfWork, utcnow


@dataclass(frozen=True)
class SubmitEncounter:
    tenant_id: str
    actor: str
    document: EncounterDocument


@dataclass(frozen=True)
class IntakeResult:
    encounter: Encounter
    created: bool


async def submit_encounter(uow: UnitOfWork, command: SubmitEncounter) -> IntakeResult:
    """Store the encounter; when it already carries codes, release it (EncounterCoded via the outbox).

    The same (tenant, source system, external encounter id) returns the stored encounter and
    stores nothing new, also when two identical requests race.
    """
    repo = EncounterRepository(uow.session)
    doc = command.document
    existing = await repo.find_by_external_id(command.tenant_id, doc.source_system, doc.external_encounter_id)
    if existing is not None:
        return IntakeResult(existing, created=False)

    now = utcnow()
    encounter = Encounter.receive(command.tenant_id, doc)
    coded = encounter.release(now) if doc.carries_codes else None
    await repo.add(encounter, now)
    if coded is not None:
        uow.emit(EventEnvelope.wrap(coded, tenant_id=command.tenant_id, producer=SERVICE_NAME))
    uow.audit(
        tenant_id=command.tenant_id, actor=command.actor, action="create", entity_type="encounter",
        entity_id=encounter.id, details={"status": encounter.status.value, "revision": encounter.revision},
    )
    try:
        await uow.commit()
    except IntegrityError:
        await uow.session.rollback()
        winner = await repo.find_by_external_id(command.tenant_id, doc.source_system, doc.external_encounter_id)
        if winner is None:
            raise
        return IntakeResult(winner, created=False)
    return IntakeResult(encounter, created=True)
