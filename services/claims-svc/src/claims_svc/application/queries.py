"""Read use cases. Reads of patient data are audited, so they commit the audit entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from claims_svc.adapters.repository import ClaimRepository, DenialQueue
from claims_svc.domain.claim import Claim, ClaimStatus
from claims_svc.domain.denial import BillingDenial, DenialStatus
from openrcm_shared.db import UnitOfWork
from openrcm_shared.problems import NotFound


@dataclass(frozen=True)
class ClaimDetail:
    claim: Claim
    denials: list[BillingDenial]


async def get_claim(uow: UnitOfWork, *, tenant_id: str, actor: str, claim_id: uuid.UUID) -> ClaimDetail:
    claim = await ClaimRepository(uow.session).get(tenant_id, claim_id)
    if claim is None:
        raise NotFound("No claim with that id.")
    denials = await DenialQueue(uow.session).for_claim(tenant_id, claim_id)
    uow.audit(tenant_id=tenant_id, actor=actor, action="read", entity_type="claim", entity_id=claim_id)
    await uow.commit()
    return ClaimDetail(claim, denials)


async def list_claims(
    uow: UnitOfWork, *, tenant_id: str, actor: str, status: ClaimStatus | None, encounter_id: uuid.UUID | None,
    patient_id: str | None, limit: int, offset: int,
) -> list[Claim]:
    found = await ClaimRepository(uow.session).list(
        tenant_id, status=status, encounter_id=encounter_id, patient_id=patient_id, limit=limit, offset=offset
    )
    uow.audit(
        tenant_id=tenant_id, actor=actor, action="list", entity_type="claim", entity_id="*",
        details={"count": len(found), "ids": [str(c.id) for c in found]},
    )
    await uow.commit()
    return found


async def list_denials(
    uow: UnitOfWork, *, tenant_id: str, actor: str, status: DenialStatus | None, limit: int, offset: int
) -> list[BillingDenial]:
    found = await DenialQueue(uow.session).list(tenant_id, status=status, limit=limit, offset=offset)
    uow.audit(
        tenant_id=tenant_id, actor=actor, action="list", entity_type="claim_denial", entity_id="*",
        details={"count": len(found), "ids": [str(d.id) for d in found]},
    )
    await uow.commit()
    return found
