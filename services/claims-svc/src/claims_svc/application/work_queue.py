"""The billing work queue: claims the scrubber held or a 999/277CA rejected, and what billers do with them.

Each use case is one transaction: load the claim (locked), act, scrub again where it applies, save
(with its history: who, when, why), audit, commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from claims_svc.adapters.reference_repository import fee_schedule_for
from claims_svc.adapters.repository import ClaimRepository
from claims_svc.application.scrubbing import scrub_claim
from claims_svc.domain.claim import CORRECTABLE, Claim, ClaimStatus, Correction, NotCorrectable
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import Conflict, NotFound

WORK_QUEUE = (ClaimStatus.SCRUB_FAILED, ClaimStatus.REJECTED)


async def _act(uow: UnitOfWork, *, tenant_id: str, actor: str, claim_id: uuid.UUID, action: str,
               change: Callable[[Claim], Awaitable[None]]) -> Claim:
    repo = ClaimRepository(uow.session)
    claim = await repo.get(tenant_id, claim_id, for_update=True)
    if claim is None:
        raise NotFound("No claim with that id.")
    if claim.status not in CORRECTABLE or (claim.status == ClaimStatus.READY and claim.batch_id is not None):
        raise Conflict(f"The claim is {claim.status.value}"
                       + (" and in a batch being sent" if claim.batch_id and claim.status == ClaimStatus.READY else "")
                       + f"; only {', '.join(s.value for s in sorted(CORRECTABLE))} claims not in a batch can be "
                       f"{action}.")
    try:
        await change(claim)
    except NotCorrectable as refused:
        raise Conflict(f"The claim cannot be {action}: {refused}.") from None
    await repo.save(claim, utcnow())
    uow.audit(tenant_id=tenant_id, actor=actor, action=action, entity_type="claim", entity_id=claim.id,
              details={"status": claim.status.value, "findings": [f.rule_id for f in claim.findings]})
    await uow.commit()
    return claim


async def rescrub(uow: UnitOfWork, *, tenant_id: str, actor: str, claim_id: uuid.UUID) -> Claim:
    """Price again from the fee schedule and scrub again (after reference data was corrected): READY, or still held."""
    async def change(claim: Claim) -> None:
        if claim.status == ClaimStatus.DRAFT and claim.waits_for_earlier_payer:
            raise NotCorrectable("it waits for the earlier payer's remittance")
        if not claim.is_void:
            claim.reprice(await fee_schedule_for(uow.session, tenant_id, [line.procedure_code for line in claim.lines]))
        await scrub_claim(uow.session, claim, now=utcnow(), actor=actor)
    return await _act(uow, tenant_id=tenant_id, actor=actor, claim_id=claim_id, action="scrubbed", change=change)


async def correct(uow: UnitOfWork, *, tenant_id: str, actor: str, claim_id: uuid.UUID,
                  correction: Correction) -> Claim:
    """Correct the claim and scrub it again: a rejected claim corrected this way goes out in the next batch."""
    async def change(claim: Claim) -> None:
        now = utcnow()
        claim.correct(correction, at=now, actor=actor)
        await scrub_claim(uow.session, claim, now=now, actor=actor)
    return await _act(uow, tenant_id=tenant_id, actor=actor, claim_id=claim_id, action="corrected", change=change)


async def close(uow: UnitOfWork, *, tenant_id: str, actor: str, claim_id: uuid.UUID, reason: str) -> Claim:
    """Give up on a claim the payer never adjudicated (e.g. billed elsewhere, or past timely filing)."""
    async def change(claim: Claim) -> None:
        claim.move_to(ClaimStatus.CLOSED, at=utcnow(), actor=actor, reason=reason)
    return await _act(uow, tenant_id=tenant_id, actor=actor, claim_id=claim_id, action="closed", change=change)


async def work_queue(uow: UnitOfWork, *, tenant_id: str, actor: str, limit: int, offset: int) -> list[Claim]:
    """Held and rejected claims, longest waiting first."""
    found = await ClaimRepository(uow.session).list(
        tenant_id, status=None, encounter_id=None, patient_id=None, limit=limit, offset=offset, statuses=WORK_QUEUE,
        oldest_first=True)
    uow.audit(tenant_id=tenant_id, actor=actor, action="list", entity_type="claim", entity_id="work-queue",
              details={"count": len(found), "ids": [str(c.id) for c in found]})
    await uow.commit()
    return found
