"""What claims-svc does when other services' events arrive. Each runs in the consumer's unit of work."""

from __future__ import annotations

import logging

from claims_svc import SERVICE_NAME
from claims_svc.adapters.repository import ClaimRepository, DenialQueue
from claims_svc.domain.claim import ClaimStatus, IllegalTransition, build_claim
from openrcm_shared.contracts import DenialRaised, EncounterCoded, EventEnvelope, RemitReceived
from openrcm_shared.contracts.events import Department
from openrcm_shared.db import UnitOfWork, utcnow

log = logging.getLogger(__name__)


async def when_encounter_coded_create_claim(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    coded = envelope.payload_as(EncounterCoded)
    tenant_id = envelope.tenant_id
    if not coded.coverages:
        log.info("self-pay encounter: no claim", extra={"encounter_id": str(coded.encounter_id)})
        return
    repo = ClaimRepository(uow.session)
    previous = await repo.latest_for_encounter(tenant_id, coded.encounter_id, coded.coverages[0].sequence)
    if previous is not None and previous.encounter_revision >= coded.revision:
        return  # this revision (or a later one) is already billed
    now = utcnow()
    claim = build_claim(tenant_id, coded, now=now, previous=previous)
    assert claim is not None
    await repo.add(claim, now)
    if claim.status == ClaimStatus.SUBMITTED:
        uow.emit(EventEnvelope.wrap(claim.submission(now), tenant_id=tenant_id, producer=SERVICE_NAME,
                                    causation_id=str(envelope.event_id)))
    uow.audit(tenant_id=tenant_id, actor=f"event:{envelope.producer}", action="create", entity_type="claim",
              entity_id=claim.id, details={"encounter_id": coded.encounter_id, "revision": coded.revision,
                                           "status": claim.status.value})
    await uow.commit()


async def when_remit_received_update_claim(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    remit = envelope.payload_as(RemitReceived)
    repo = ClaimRepository(uow.session)
    claim = await repo.get(envelope.tenant_id, remit.claim_id, for_update=True)
    if claim is None:  # not ours, or another tenant's id: never act across tenants
        log.warning("remit for an unknown claim ignored", extra={"claim_id": str(remit.claim_id)})
        return
    known_history = len(claim.history)
    try:
        claim.record_remit(remit, at=utcnow())
    except IllegalTransition as exc:
        log.warning("remit does not fit the claim's state; left for a biller",
                    extra={"claim_id": str(claim.id), "from": exc.current.value, "to": exc.requested.value})
        return
    await repo.save(claim, utcnow(), known_history=known_history)
    await uow.commit()


async def when_denial_raised_queue_for_billing(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    denial = envelope.payload_as(DenialRaised)
    if denial.owning_department != Department.BILLING:
        return  # coding-owned denials are worked in coding-svc
    claim = await ClaimRepository(uow.session).get(envelope.tenant_id, denial.claim_id)
    if claim is None:
        log.warning("denial for an unknown claim ignored", extra={"denial_id": str(denial.denial_id)})
        return
    if await DenialQueue(uow.session).add(envelope.tenant_id, denial, utcnow()):
        await uow.commit()
