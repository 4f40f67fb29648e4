"""What claims-svc does when other services' events arrive.

Each reaction runs in the consumer's unit of work (the inbox row is already in it) and acts only
inside the event's tenant: an id that belongs to another tenant is simply not found. Logs carry ids
only, never patient data.
"""

from __future__ import annotations

import logging

from claims_svc import SERVICE_NAME
from claims_svc.adapters.repository import ClaimRepository, DenialQueue
from claims_svc.domain.claim import ClaimStatus, IllegalTransition, build_claim
from claims_svc.domain.denial import BillingDenial
from openrcm_shared.contracts import DenialRaised, EncounterCoded, EventEnvelope, RemitReceived
from openrcm_shared.db import UnitOfWork, utcnow

log = logging.getLogger(__name__)


async def when_encounter_coded_create_claim(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    """Bill the primary coverage of a coded encounter revision; a clean claim emits ClaimSubmitted.

    A revision already billed (or older than one already billed) changes nothing. Two replicas
    racing on one revision cannot both insert: the unique constraint fails the loser's commit, the
    consumer retries it, and the retry finds the claim and does nothing.
    """
    coded = envelope.payload_as(EncounterCoded)
    tenant_id = envelope.tenant_id
    ids = {"encounter_id": str(coded.encounter_id), "revision": coded.revision, "event_id": str(envelope.event_id)}
    if not coded.coverages:
        log.info("self-pay encounter: no claim", extra=ids)
        return
    repo = ClaimRepository(uow.session)
    previous = await repo.latest_for_encounter(tenant_id, coded.encounter_id, coded.coverages[0].sequence, for_update=True)
    if previous is not None and previous.encounter_revision >= coded.revision:
        log.info("encounter revision already billed", extra={**ids, "claim_id": str(previous.id)})
        return
    now = utcnow()
    claim = build_claim(tenant_id, coded, now=now, actor=envelope.event_type, previous=previous)
    assert claim is not None  # the encounter has a coverage
    if previous is not None and previous.retire_unsent(by_revision=coded.revision, at=now, actor=envelope.event_type):
        await repo.save(previous, now)
    await repo.add(claim, now)
    if claim.status == ClaimStatus.SUBMITTED:
        uow.emit(EventEnvelope.wrap(claim.submission(now), tenant_id=tenant_id, producer=SERVICE_NAME,
                                    causation_id=str(envelope.event_id)))
    uow.audit(
        tenant_id=tenant_id, actor=f"event:{envelope.producer}", action="create", entity_type="claim",
        entity_id=claim.id,
        details={**ids, "status": claim.status.value, "frequency_code": claim.frequency_code},
    )
    await uow.commit()


async def when_remit_received_update_claim(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    """The payer's answer moves the claim to paid, partially paid or denied, or a reversal back to submitted."""
    remit = envelope.payload_as(RemitReceived)
    ids = {"claim_id": str(remit.claim_id), "remit_claim_id": str(remit.remit_claim_id),
           "event_id": str(envelope.event_id)}
    repo = ClaimRepository(uow.session)
    claim = await repo.get(envelope.tenant_id, remit.claim_id, for_update=True)
    if claim is None:
        log.warning("remit for an unknown claim ignored", extra=ids)
        return
    now = utcnow()
    try:
        claim.record_remit(remit, at=now, actor=envelope.event_type)
    except IllegalTransition as exc:
        # Dead-lettering would not help: the same remit can never apply. Left for a biller to look at.
        log.warning("remit does not fit the claim's status; ignored",
                    extra={**ids, "from": exc.current.value, "to": exc.requested.value})
        return
    await repo.save(claim, now)
    uow.audit(
        tenant_id=envelope.tenant_id, actor=f"event:{envelope.producer}", action="update", entity_type="claim",
        entity_id=claim.id, details={**ids, "status": claim.status.value, "outcome": remit.outcome},
    )
    await uow.commit()


async def when_denial_raised_queue_for_billing(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    """A billing-owned denial of one of our claims joins the billing denial queue, once."""
    denial = envelope.payload_as(DenialRaised)
    tenant_id = envelope.tenant_id
    item = BillingDenial.queue_item(tenant_id, denial, received_at=utcnow())
    if item is None:
        return  # coding-owned: coding-svc works it
    ids = {"denial_id": str(denial.denial_id), "claim_id": str(denial.claim_id), "event_id": str(envelope.event_id)}
    if await ClaimRepository(uow.session).get(tenant_id, denial.claim_id) is None:
        log.warning("denial for an unknown claim ignored", extra=ids)
        return
    queue = DenialQueue(uow.session)
    if await queue.contains(tenant_id, denial.denial_id):
        log.info("denial already queued", extra=ids)
        return
    await queue.add(item)
    uow.audit(
        tenant_id=tenant_id, actor=f"event:{envelope.producer}", action="create", entity_type="claim_denial",
        entity_id=item.id, details={**ids, "category": item.category},
    )
    await uow.commit()
