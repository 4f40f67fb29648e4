"""Appeals of denied claims, and the A/R follow-up queue of claims the payer has not answered."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import insert, select, update

from claims_svc.adapters.orm import appeals, claim_denials
from claims_svc.adapters.reference_repository import BILLING_PROFILES, PAYERS, ReferenceStore
from claims_svc.adapters.repository import ClaimRepository, DenialQueue
from claims_svc.domain.appeal import Appeal, AppealRefused, file_appeal
from claims_svc.domain.claim import Claim, ClaimStatus
from claims_svc.domain.denial import DenialStatus
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import Conflict, NotFound

#: Claims at the payer that the A/R follow-up queue watches.
AWAITING_PAYER = (ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, ClaimStatus.APPEALED)
#: For claims of payers the tenant has not described (their own follow_up_days otherwise).
DEFAULT_FOLLOW_UP_DAYS = 30


async def appeal(uow: UnitOfWork, *, tenant_id: str, actor: str, claim_id: uuid.UUID, argument: str) -> Appeal:
    """Appeal a denied or partly paid claim: APPEALED, its letter stored, its billing denials closed."""
    repo = ClaimRepository(uow.session)
    claim = await repo.get(tenant_id, claim_id, for_update=True)
    if claim is None:
        raise NotFound("No claim with that id.")
    payer = await ReferenceStore(uow.session, PAYERS).get(tenant_id, claim.payer.payer_id)
    billing = await ReferenceStore(uow.session, BILLING_PROFILES).get(tenant_id, claim.billing_provider_npi)
    if payer is None or billing is None:
        raise Conflict("The claim's payer or billing profile is no longer in the reference data; add it first.")
    denials = [d for d in await DenialQueue(uow.session).for_claim(tenant_id, claim_id) if d.status == DenialStatus.OPEN]
    now = utcnow()
    try:
        filed = file_appeal(claim, payer=payer, billing=billing, denials=denials, argument=argument, today=now.date(),
                            at=now, actor=actor)
    except AppealRefused as refused:
        raise Conflict(f"The claim cannot be appealed: {refused}.") from None
    await repo.save(claim, now)
    await uow.session.execute(insert(appeals).values(**asdict(filed)))
    await uow.session.execute(update(claim_denials).where(
        claim_denials.c.tenant_id == tenant_id, claim_denials.c.claim_id == claim_id,
        claim_denials.c.status == DenialStatus.OPEN.value).values(status=DenialStatus.CLOSED.value))
    uow.audit(tenant_id=tenant_id, actor=actor, action="appeal", entity_type="claim", entity_id=claim_id,
              details={"appeal_id": str(filed.id), "deadline": filed.deadline.isoformat()})
    await uow.commit()
    return filed


async def appeals_of(uow: UnitOfWork, *, tenant_id: str, actor: str, claim_id: uuid.UUID) -> list[Appeal]:
    """A claim's appeals, oldest first, letters included (patient data: the read is audited)."""
    rows = (await uow.session.execute(select(appeals).where(appeals.c.tenant_id == tenant_id,
                                                             appeals.c.claim_id == claim_id)
                                      .order_by(appeals.c.created_at))).mappings()
    found = [Appeal(**row) for row in rows]
    if not found and await ClaimRepository(uow.session).get(tenant_id, claim_id) is None:
        raise NotFound("No claim with that id.")
    uow.audit(tenant_id=tenant_id, actor=actor, action="read", entity_type="claim_appeal", entity_id=claim_id,
              details={"count": len(found)})
    await uow.commit()
    return found


async def follow_up(uow: UnitOfWork, *, tenant_id: str, actor: str, min_age_days: int | None, limit: int,
                    offset: int) -> list[Claim]:
    """Claims at the payer with no news for their payer's ``follow_up_days`` (or ``min_age_days`` for all
    payers, when given), the longest silent first and, among claims as old, the largest."""
    now = utcnow()
    payers = [] if min_age_days is not None else await ReferenceStore(uow.session, PAYERS).find(tenant_id)
    found = await ClaimRepository(uow.session).silent_since(
        tenant_id, statuses=AWAITING_PAYER,
        cutoff_by_payer={p.payer_id: now - timedelta(days=p.follow_up_days) for p in payers},
        default_cutoff=now - timedelta(days=min_age_days if min_age_days is not None else DEFAULT_FOLLOW_UP_DAYS),
        limit=limit, offset=offset,
    )
    uow.audit(tenant_id=tenant_id, actor=actor, action="list", entity_type="claim", entity_id="follow-up",
              details={"count": len(found), "ids": [str(c.id) for c in found]})
    await uow.commit()
    return found
