"""Use cases of coders working the queue: claim, give back, take the next, draft, check, release.

Each runs in one unit of work and commits once. The rules are the encounter's (domain/encounter.py);
a refused action raises its ``WorkflowError`` before anything is written, except a release the edits
block, which keeps the findings it found and then raises.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from coding_svc.adapters.repository import EncounterRepository, PolicyRepository
from coding_svc.application.releases import record_release
from coding_svc.domain.edits.engine import EditEngine, EditReport
from coding_svc.domain.encounter import CodeSet, Encounter, LineEntry, ReleaseBlocked
from coding_svc.domain.work_queue import WorkQueue, codes_under_edit
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import NotFound


@dataclass(frozen=True)
class CoderAction:
    """Who acts (the token's subject, a coder) on which encounter of which tenant."""

    tenant_id: str
    coder: str
    encounter_id: uuid.UUID


@dataclass(frozen=True)
class EnteredCodes:
    """Codes as a coder typed them: lines without a date are on the encounter's first date of service."""

    diagnoses: tuple[str, ...]
    lines: tuple[LineEntry, ...]

    def for_encounter(self, encounter: Encounter) -> CodeSet:
        return CodeSet.entered(self.diagnoses, self.lines, encounter.document.service_date_from)


async def load_encounter(uow: UnitOfWork, tenant_id: str, encounter_id: uuid.UUID, *, for_update: bool = True) -> Encounter:
    encounter = await EncounterRepository(uow.session).get(tenant_id, encounter_id, for_update=for_update)
    if encounter is None:
        raise NotFound("No encounter with that id.")
    return encounter


async def claim_encounter(uow: UnitOfWork, action: CoderAction) -> Encounter:
    """Claim an encounter of the coding or rework queue (the holder claiming again extends the claim)."""
    encounter = await load_encounter(uow, action.tenant_id, action.encounter_id)
    policy = await PolicyRepository(uow.session).get(action.tenant_id)
    now = utcnow()
    encounter.claim(action.coder, now=now, minutes=policy.claim_minutes)
    await _save(uow, encounter, action, "claim", now)
    return encounter


async def give_back_encounter(uow: UnitOfWork, action: CoderAction) -> Encounter:
    encounter = await load_encounter(uow, action.tenant_id, action.encounter_id)
    now = utcnow()
    if encounter.give_back(action.coder, now=now):
        await _save(uow, encounter, action, "give_back", now)
    return encounter


async def claim_next(
    uow: UnitOfWork, *, tenant_id: str, coder: str, queue: WorkQueue, payer_id: str | None = None
) -> Encounter | None:
    """Claim the first unclaimed encounter of a queue; None when nothing is waiting unclaimed.

    Two coders asking at once get different encounters (the row is locked, others skip it).
    """
    now = utcnow()
    encounter = await EncounterRepository(uow.session).next_unclaimed(tenant_id, queue.status, now=now, payer_id=payer_id)
    if encounter is None:
        return None
    policy = await PolicyRepository(uow.session).get(tenant_id)
    encounter.claim(coder, now=now, minutes=policy.claim_minutes)
    await _save(uow, encounter, CoderAction(tenant_id, coder, encounter.id), "claim", now, queue=queue.value)
    return encounter


async def save_draft(uow: UnitOfWork, action: CoderAction, entered: EnteredCodes, engine: EditEngine) -> tuple[Encounter, EditReport]:
    """The claim holder replaces the working codes; the edits' findings come back and are kept (never a refusal)."""
    encounter = await load_encounter(uow, action.tenant_id, action.encounter_id)
    codes = entered.for_encounter(encounter)
    report = engine.run(codes_under_edit(encounter, codes))
    now = utcnow()
    encounter.save_draft(action.coder, codes, report, now=now)
    await _save(uow, encounter, action, "draft", now, errors=len(report.errors), warnings=len(report.warnings))
    return encounter, report


async def release_encounter(uow: UnitOfWork, action: CoderAction, engine: EditEngine) -> Encounter:
    """The claim holder releases the working codes: EncounterCoded with the next revision.

    An edit error blocks it: the findings are stored (so the queue shows them) and ``ReleaseBlocked``
    is raised; nothing else changes and nothing is emitted.
    """
    encounter = await load_encounter(uow, action.tenant_id, action.encounter_id)
    from_status = encounter.status
    report = engine.run(codes_under_edit(encounter))
    now = utcnow()
    try:
        release = encounter.release(action.coder, report, now=now)
    except ReleaseBlocked:
        await _save(uow, encounter, action, "release_blocked", now, errors=len(report.errors))
        raise
    await record_release(uow, encounter, release, from_status=from_status)
    await _save(uow, encounter, action, "release", now, revision=release.revision, warnings=len(release.warnings))
    return encounter


async def check_edits(
    uow: UnitOfWork, *, tenant_id: str, actor: str, encounter_id: uuid.UUID, entered: EnteredCodes | None,
    engine: EditEngine,
) -> EditReport:
    """Run the edits on ``entered`` codes, or on the working codes; nothing about the encounter is saved."""
    encounter = await load_encounter(uow, tenant_id, encounter_id, for_update=False)
    codes = entered.for_encounter(encounter) if entered is not None else None
    report = engine.run(codes_under_edit(encounter, codes))
    uow.audit(
        tenant_id=tenant_id, actor=actor, action="check_edits", entity_type="encounter", entity_id=encounter_id,
        details={"codes": "entered" if entered is not None else "working", "errors": len(report.errors),
                 "warnings": len(report.warnings)},
    )
    await uow.commit()
    return report


async def _save(
    uow: UnitOfWork, encounter: Encounter, action: CoderAction, what: str, now: datetime, **details: object
) -> None:
    """Save the encounter, audit the action and commit: the one commit of each use case here."""
    await EncounterRepository(uow.session).save(encounter, now)
    uow.audit(
        tenant_id=action.tenant_id, actor=action.coder, action=what, entity_type="encounter", entity_id=encounter.id,
        details={"status": encounter.status.value, "revision": encounter.revision, **details},
    )
    await uow.commit()
