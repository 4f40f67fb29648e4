"""Coding audits: blind coding by auditors and the coding-quality report (releases are drawn for audit
in ``releases.record_release``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from coding_svc.adapters.audit_repository import AuditRepository
from coding_svc.adapters.repository import EncounterRepository
from coding_svc.application.coding_work import EnteredCodes
from coding_svc.domain.accuracy import Comparison, CoderQuality
from coding_svc.domain.coding_audit import AuditStatus, CodingAudit
from coding_svc.domain.encounter import Encounter
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import NotFound


async def list_audits(
    uow: UnitOfWork, *, tenant_id: str, actor: str, status: AuditStatus | None, coder: str | None,
    limit: int, offset: int,
) -> list[CodingAudit]:
    found = await AuditRepository(uow.session).list(tenant_id, status=status, coder=coder, limit=limit, offset=offset)
    uow.audit(tenant_id=tenant_id, actor=actor, action="list", entity_type="coding_audit", entity_id="*",
              details={"count": len(found)})
    await uow.commit()
    return found


async def open_audit(
    uow: UnitOfWork, *, tenant_id: str, actor: str, audit_id: uuid.UUID
) -> tuple[CodingAudit, Encounter]:
    """The audit and its encounter's documentation (the entrypoint hides the coder's codes while pending)."""
    audit = await _get(uow, tenant_id, audit_id)
    encounter = await EncounterRepository(uow.session).get(tenant_id, audit.encounter_id)
    if encounter is None:
        raise NotFound("No coding audit with that id.")
    uow.audit(tenant_id=tenant_id, actor=actor, action="read", entity_type="coding_audit", entity_id=audit_id,
              details={"encounter_id": str(audit.encounter_id)})
    await uow.commit()
    return audit, encounter


async def submit_audit_coding(
    uow: UnitOfWork, *, tenant_id: str, auditor: str, audit_id: uuid.UUID, entered: EnteredCodes
) -> tuple[CodingAudit, Encounter, Comparison]:
    """The auditor's blind codes complete the audit; the comparison with the coder's release is its result."""
    audit = await _get(uow, tenant_id, audit_id, for_update=True)
    encounter = await EncounterRepository(uow.session).get(tenant_id, audit.encounter_id)
    if encounter is None:
        raise NotFound("No coding audit with that id.")
    comparison = audit.complete(auditor, entered.for_encounter(encounter), utcnow())
    await AuditRepository(uow.session).save(audit)
    uow.audit(tenant_id=tenant_id, actor=auditor, action="audit", entity_type="coding_audit", entity_id=audit_id,
              details={"encounter_id": str(audit.encounter_id), "errors": len(comparison.discrepancies)})
    await uow.commit()
    return audit, encounter, comparison


@dataclass(frozen=True)
class QualityReport:
    date_from: date
    date_to: date
    coders: list[CoderQuality]
    totals: CoderQuality


async def coding_quality(
    uow: UnitOfWork, *, tenant_id: str, actor: str, date_from: date, date_to: date, coder: str | None
) -> QualityReport:
    """Per coder, for releases made from ``date_from`` to ``date_to`` (inclusive, UTC days): productivity
    from every release, accuracy from the completed audits of those releases.

    Hours worked are the time from a coder's claim to their release of each encounter: work on
    encounters they gave back or that went to a query is not counted.
    """
    start = datetime.combine(date_from, time.min, tzinfo=timezone.utc)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=timezone.utc)
    repo = AuditRepository(uow.session)
    by_coder: dict[str, CoderQuality] = {}
    totals = CoderQuality("all coders")
    for work in await repo.coder_releases(tenant_id, start, end, coder):
        seconds = (work.released_at - work.claimed_at).total_seconds() if work.claimed_at else 0.0
        for quality in (by_coder.setdefault(work.coder, CoderQuality(work.coder)), totals):
            quality.add_release(seconds)
    for audit in await repo.completed_for_releases(tenant_id, start, end, coder):
        comparison = audit.comparison
        if comparison is None:
            continue
        for quality in (by_coder.setdefault(audit.coder, CoderQuality(audit.coder)), totals):
            quality.add_audit(comparison)
    uow.audit(tenant_id=tenant_id, actor=actor, action="report", entity_type="coding_quality", entity_id="*",
              details={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()})
    await uow.commit()
    return QualityReport(date_from, date_to, sorted(by_coder.values(), key=lambda q: q.coder), totals)


async def _get(uow: UnitOfWork, tenant_id: str, audit_id: uuid.UUID, *, for_update: bool = False) -> CodingAudit:
    audit = await AuditRepository(uow.session).get(tenant_id, audit_id, for_update=for_update)
    if audit is None:
        raise NotFound("No coding audit with that id.")
    return audit
