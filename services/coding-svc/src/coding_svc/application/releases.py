"""What every release of codes writes, whoever released them: the event and the release record."""

from __future__ import annotations

from coding_svc import SERVICE_NAME
from coding_svc.adapters.audit_repository import AuditRepository
from coding_svc.adapters.repository import PolicyRepository, ReleaseRepository
from coding_svc.domain.coding_audit import CodingAudit
from coding_svc.domain.encounter import Encounter, EncounterStatus, Release
from openrcm_shared.contracts import EventEnvelope
from openrcm_shared.db import UnitOfWork


async def record_release(uow: UnitOfWork, encounter: Encounter, release: Release, *, from_status: EncounterStatus) -> None:
    """EncounterCoded to the outbox, the release record and, when the sample draws it, a coding audit:
    all in the use case's transaction (the event and the release record written by its commit, in
    one round trip with its other queued rows)."""
    uow.emit(EventEnvelope.wrap(release.event, tenant_id=encounter.tenant_id, producer=SERVICE_NAME))
    ReleaseRepository.add_at_commit(uow, encounter, release, from_status=from_status)
    await draw_for_audit(uow, encounter, release)


async def draw_for_audit(uow: UnitOfWork, encounter: Encounter, release: Release) -> None:
    """A coder's release joins the audit sample at the tenant's rate for that coder."""
    if release.coder is None:
        return
    policy = await PolicyRepository(uow.session).get(encounter.tenant_id)
    audit = CodingAudit.draw(encounter.tenant_id, encounter.id, release, policy.audit_sample_percent_for(release.coder))
    if audit is not None:
        await uow.flush()  # the audit references the encounter, whose row may still be queued
        await AuditRepository(uow.session).add(audit)
