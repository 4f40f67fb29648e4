"""Reaction: a coding-owned denial sends the encounter back to coders for rework."""

from __future__ import annotations

import logging

from coding_svc.adapters.repository import EncounterRepository, PolicyRepository
from openrcm_shared.contracts import DenialRaised, EventEnvelope
from openrcm_shared.db import UnitOfWork, utcnow

log = logging.getLogger(__name__)


async def when_denial_raised_reopen_encounter(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    denial = envelope.payload_as(DenialRaised)
    repo = EncounterRepository(uow.session)
    # Scoped to the event's tenant: an encounter id from another tenant is simply not found.
    encounter = await repo.get(envelope.tenant_id, denial.encounter_id, for_update=True)
    if encounter is None:
        log.warning("denial for an unknown encounter ignored", extra={"denial_id": str(denial.denial_id)})
        return
    if encounter.reopen_for_denial(denial):
        # Back in a queue: its deadline follows the policy in force now (it may have changed meanwhile).
        policy = await PolicyRepository(uow.session).get(envelope.tenant_id)
        encounter.filing_deadline = policy.filing_deadline(encounter.document)
        await repo.save(encounter, utcnow())
        uow.audit(
            tenant_id=envelope.tenant_id, actor=envelope.event_type, action="reopen_for_denial",
            entity_type="encounter", entity_id=encounter.id,
            details={"denial_id": str(denial.denial_id), "status": encounter.status.value, "revision": encounter.revision},
        )
        await uow.commit()
        log.info("encounter reopened for rework", extra={"encounter_id": str(encounter.id),
                                                        "denial_id": str(denial.denial_id)})
