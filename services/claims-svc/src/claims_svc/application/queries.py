"""Read use cases. Reads of patient data are audited, so they commit the audit entry."""

from __future__ import annotations

import uuid

from claims_svc.adapters.repository import ClaimRepository, DenialQueue
from claims_svc.domain.claim import Claim, ClaimStatus
from openrcm_shared.db import UnitOfWork
from openrcm_shared.problems import NotFound


async def get_claim(uow: UnitOfWork, *, tenant_id: str, actor: str, claim_id: uuid.UUID) -> tuple[Claim, list[dict]]:
    claim = await ClaimRepository(uow.session).get(tenant_id, claim_id)
    if claim is None:
        raise NotFound("No claim with that id.")
    denials = await DenialQueue(uow.session).list(tenant_id, status=None, claim_id=claim_id, limit=100, offset=0)
    uow.audit(tenant_id=tenant_id, actor=actor, action="read", entity_type="claim", entity_id=claim_id)
    await uow.commit()
    return claim, denials


async def list_claims(uow: UnitOfWork, *, tenant_id: str, actor: str, status: ClaimStatus | None,
                      encounter_id: uuid.UUID | None, patient_id: str | None, limit: int, offset: int) -> list[dict]:
    rows = await ClaimRepository(uow.session).list(tenant_id, status=status, encounter_id=encounter_id,
                                                   patient_id=patient_id, limit=limit, offset=offset)
    uow.audit(tenant_id=tenant_id, actor=actor, action="list", entity_type="claim", entity_id="*",
              details={"count": len(rows), "ids": [str(r["id"]) for r in rows]})
    await uow.commit()
    return rows


async def list_denials(uow: UnitOfWork, *, tenant_id: str, status: str | None, limit: int, offset: int) -> list[dict]:
    return await DenialQueue(uow.session).list(tenant_id, status=status, claim_id=None, limit=limit, offset=offset)
