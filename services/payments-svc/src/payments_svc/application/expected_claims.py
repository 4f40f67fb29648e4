"""Reaction: a submitted claim becomes an expected claim that remittances are matched against.

An 835 may come before its claims' ClaimSubmitted is consumed (a payer or sandbox answering at once,
a consumer that was down, a broker outage): its claims are staged unmatched and wait. Recording the
expected claim matches them, and posts them as posting would have, in the same transaction as the
expected claim and the inbox entry (``match_waiting_claims``).
"""

from __future__ import annotations

import logging

from openrcm_shared.contracts import ClaimSubmitted, EventEnvelope
from openrcm_shared.db import UnitOfWork, utcnow
from payments_svc.adapters.repository import ExpectedClaimRepository
from payments_svc.application.posting import match_waiting_claims
from payments_svc.domain.expected_claim import ExpectedClaim

log = logging.getLogger(__name__)


async def when_claim_submitted_expect_remittance(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    """Record the claim, or let a newer submission under the same patient control number supersede it;
    then match the remittance claims that were waiting for it.

    Two replicas racing on one number: the loser's insert fails, the consumer retries, and the retry
    finds the row and supersedes it (or not) like any later event.
    """
    submitted = envelope.payload_as(ClaimSubmitted)
    tenant_id = envelope.tenant_id  # the event's tenant: a claim is only ever matched inside it
    actor = f"event:{envelope.producer}"
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
        claim, action = existing, None
        log.info("older or repeated claim submission ignored",
                 extra={"claim_id": str(submitted.claim_id), "expected_claim_id": str(existing.id)})
    if action is not None:
        uow.audit(
            tenant_id=tenant_id, actor=actor, action=action, entity_type="expected_claim", entity_id=claim.id,
            details={"claim_id": claim.claim_id, "encounter_id": claim.encounter_id,
                     "frequency_code": claim.frequency_code, "event_id": envelope.event_id},
        )
    # Also when the submission is ignored: claims left unmatched by an earlier failure get their chance.
    for late in await match_waiting_claims(uow, tenant_id, claim.patient_control_number):
        uow.audit(
            tenant_id=tenant_id, actor=actor, action="match", entity_type="remittance", entity_id=late.remittance_id,
            details={"expected_claim_id": claim.id, "claim_id": claim.claim_id, "event_id": envelope.event_id,
                     "remit_claim_ids": [str(i) for i in late.remit_claim_ids],
                     "statuses": [s.value for s in late.statuses], "posted": late.posted},
        )
        log.info("unmatched remittance claims matched to a claim submitted after the 835",
                 extra={"tenant_id": tenant_id, "remittance_id": str(late.remittance_id),
                        "expected_claim_id": str(claim.id), "claims": len(late.remit_claim_ids),
                        "posted": late.posted})
    await uow.commit()
