"""Use cases of the tenant's coding policy: read it, replace it."""

from __future__ import annotations

from dataclasses import replace

from coding_svc.adapters.repository import EncounterRepository, PolicyRepository
from coding_svc.domain.policy import CodingPolicy
from openrcm_shared.db import UnitOfWork, utcnow


async def get_policy(uow: UnitOfWork, tenant_id: str) -> CodingPolicy:
    return await PolicyRepository(uow.session).get(tenant_id)


async def put_policy(uow: UnitOfWork, policy: CodingPolicy, *, actor: str) -> CodingPolicy:
    """Replace the tenant's policy. The filing deadlines of its encounters not yet coded follow the new
    filing days at once, so the queue order does too."""
    now = utcnow()
    stored = replace(policy, updated_at=now, updated_by=actor)
    await PolicyRepository(uow.session).put(stored)
    repo = EncounterRepository(uow.session)
    open_encounters = await repo.open_encounter_deadlines(policy.tenant_id)
    await repo.set_filing_deadlines(
        policy.tenant_id,
        [(encounter_id, stored.filing_deadline_for(service_date_from, payer_id))
         for encounter_id, service_date_from, payer_id in open_encounters],
    )
    uow.audit(
        tenant_id=policy.tenant_id, actor=actor, action="update", entity_type="coding_policy", entity_id=policy.tenant_id,
        details={"auto_release_clean_provider_codes": stored.auto_release_clean_provider_codes,
                 "claim_minutes": stored.claim_minutes, "default_filing_days": stored.default_filing_days,
                 "payers": len(stored.filing_days_by_payer), "deadlines_updated": len(open_encounters)},
    )
    await uow.commit()
    return stored
