"""Read use cases. Reads of patient data are audited, so they commit the audit entry."""

from __future__ import annotations

import uuid

from openrcm_shared.db import UnitOfWork
from openrcm_shared.problems import NotFound
from payments_svc.adapters.repository import (
    ExpectedClaimRepository, PostingSettingsRepository, RemittanceRepository,
)
from payments_svc.domain.era_file import PostingSettings
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.remittance import RemitClaim, Remittance, RemittanceSummary


async def get_remittance(
    uow: UnitOfWork, *, tenant_id: str, actor: str, remittance_id: uuid.UUID, with_claims: bool = True
) -> Remittance:
    remittance = await RemittanceRepository(uow.session).get(tenant_id, remittance_id, with_claims=with_claims)
    if remittance is None:
        raise NotFound("No remittance with that id.")
    uow.audit(tenant_id=tenant_id, actor=actor, action="read", entity_type="remittance", entity_id=remittance_id)
    await uow.commit()
    return remittance


async def list_remittance_claims(
    uow: UnitOfWork, *, tenant_id: str, actor: str, remittance_id: uuid.UUID, limit: int, offset: int
) -> list[RemitClaim]:
    """One page of a (possibly very large) remittance's claims, in file order."""
    remittances = RemittanceRepository(uow.session)
    if await remittances.get(tenant_id, remittance_id, with_claims=False) is None:
        raise NotFound("No remittance with that id.")
    found = await remittances.claims_page(tenant_id, remittance_id, limit=limit, offset=offset)
    uow.audit(tenant_id=tenant_id, actor=actor, action="list", entity_type="remit_claim", entity_id="*",
              details={"remittance_id": remittance_id, "count": len(found), "offset": offset})
    await uow.commit()
    return found


async def list_remittances(
    uow: UnitOfWork, *, tenant_id: str, limit: int, offset: int, reconciled: bool | None = None
) -> list[RemittanceSummary]:
    """Payer, payment and counts only: no patient data, so nothing to audit."""
    return await RemittanceRepository(uow.session).list_summaries(tenant_id, limit=limit, offset=offset,
                                                                  reconciled=reconciled)


async def list_unmatched_claims(
    uow: UnitOfWork, *, tenant_id: str, actor: str, limit: int, offset: int, lines: bool = False
) -> list[RemitClaim]:
    """The unmatched queue: claims of posted remittances that match no submitted claim (yet: a claim whose
    ClaimSubmitted is consumed after the 835 is matched and posted then, and leaves the queue), or
    (``lines``) posted claims with lines that match none of the claim's submitted lines."""
    remittances = RemittanceRepository(uow.session)
    found = await (remittances.claims_with_unmatched_lines if lines else remittances.unmatched_claims)(
        tenant_id, limit=limit, offset=offset)
    uow.audit(
        tenant_id=tenant_id, actor=actor, action="list", entity_type="remit_claim", entity_id="*",
        details={"status": "unmatched_lines" if lines else "unmatched", "count": len(found),
                 "ids": [str(c.id) for c in found]},
    )
    await uow.commit()
    return found


async def list_expected_claims(
    uow: UnitOfWork, *, tenant_id: str, actor: str, patient_control_number: str | None, limit: int, offset: int
) -> list[ExpectedClaim]:
    found = await ExpectedClaimRepository(uow.session).list(
        tenant_id, patient_control_number=patient_control_number, limit=limit, offset=offset
    )
    uow.audit(
        tenant_id=tenant_id, actor=actor, action="list", entity_type="expected_claim", entity_id="*",
        details={"count": len(found), "ids": [str(c.id) for c in found]},
    )
    await uow.commit()
    return found


async def get_posting_settings(uow: UnitOfWork, *, tenant_id: str) -> PostingSettings:
    return await PostingSettingsRepository(uow.session).get(tenant_id)
