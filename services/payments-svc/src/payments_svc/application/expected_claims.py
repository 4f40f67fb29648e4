"""Reaction: a submitted claim becomes an expected claim that remittances are matched against."""

from __future__ import annotations

import logging

from openrcm_shared.contracts import ClaimSubmitted, EventEnvelope
from openrcm_shared.db import UnitOfWork, utcnow
from payments_svc.adapters.repository import ExpectedClaimRepository
from payments_svc.domain.expected_claim import ExpectedClaim

log = logging.getLogger(__name__)


async def when_claim_submitted_expect_remittance(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    """Record the claim, or let a newer submission under the same patient control number supersede it.

    Two replicas racing on one number: the loser's insert fails, the consumer retries, and the retry
    finds the row and supersedes it (or not) like any later event.
    """
    submitted = envelope.payload_as(ClaimSubmitted)
    tenant_id = envelope.tenant_id  # the event's tenant: a claim is only ever matched inside it
    repo = ExpectedClaimRepository(uow.session)
    now = utcnow()
    existing = await repo.get_by_control_number(tenant_id, submitted.patient_control_number, for_update=True)
    if existing is None:
        claim = ExpectedClaim.from_submission(tenant_id, submitted)
        await repo.add(claim, now)
        action = "create"
    elif existing.supersede(submitted):
        claim = existing
        await repo.save(claim, now)
        action = "update"
    else:
        log.info("older or repeated claim submission ignored",
                 extra={"claim_id": str(submitted.claim_id), "expected_claim_id": str(existing.id)})
        return
    uow.audit(
        tenant_id=tenant_id, actor=f"event:{envelope.producer}", action=action, entity_type="expected_claim",
        entity_id=claim.id,
        details={"claim_id": claim.claim_id, "encounter_id": claim.encounter_id, "frequency_code": claim.frequency_code,
                 "event_id": envelope.event_id},
    )
    await uow.commit()
