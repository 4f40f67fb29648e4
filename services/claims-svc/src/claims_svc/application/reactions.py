"""What claims-svc does when other services' events arrive.

Each reaction runs in the consumer's unit of work (the inbox row is already in it) and acts only
inside the event's tenant: an id that belongs to another tenant is simply not found. Logs carry ids
only, never patient data.
"""

from __future__ import annotations

import logging

from claims_svc.adapters.reference_repository import fee_schedule_for
from claims_svc.adapters.repository import ClaimRepository, DenialQueue
from claims_svc.application.scrubbing import bill_next_payer, release_held, scrub_claim
from claims_svc.domain.claim import IllegalTransition, bill_revision
from claims_svc.domain.denial import BillingDenial
from openrcm_shared.contracts import DenialRaised, EncounterCoded, EventEnvelope, RemitReceived
from openrcm_shared.db import UnitOfWork, utcnow

log = logging.getLogger(__name__)


async def when_encounter_coded_create_claim(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    """Bill a coded encounter revision: a claim per coverage (primary first), scrubbed with the tenant's
    reference data. Clean claims wait as READY for the next batch; the others wait in the billing work queue.

    A revision already billed (or older than one already billed) changes nothing. Two replicas
    racing on one revision cannot both insert: the unique constraint fails the loser's commit, the
    consumer retries it, and the retry finds the claims and does nothing.
    """
    coded = envelope.payload_as(EncounterCoded)
    tenant_id = envelope.tenant_id
    ids = {"encounter_id": str(coded.encounter_id), "revision": coded.revision, "event_id": str(envelope.event_id)}
    repo = ClaimRepository(uow.session)
    existing = await repo.for_encounter(tenant_id, coded.encounter_id, for_update=True)
    if existing and max(claim.encounter_revision for claim in existing) >= coded.revision:
        log.info("encounter revision already billed", extra=ids)
        return
    previous = {claim.coverage_sequence: claim for claim in existing if not claim.is_void}  # latest revision wins
    if not coded.coverages and not previous:
        log.info("self-pay encounter: no claim", extra=ids)
        return
    now = utcnow()
    fee_schedule = await fee_schedule_for(uow.session, tenant_id, sorted({l.procedure_code for l in coded.service_lines}))
    plan = bill_revision(tenant_id, coded, previous=previous, fee_schedule=fee_schedule, now=now,
                         actor=envelope.event_type)
    for retired in plan.retired:
        await repo.save(retired, now)
    for claim in plan.claims:
        claim.correlation_id = envelope.correlation_id
        await scrub_claim(uow.session, claim, now=now, actor=envelope.event_type)
        await repo.add(claim, now)
    uow.audit(
        tenant_id=tenant_id, actor=f"event:{envelope.producer}", action="bill", entity_type="encounter",
        entity_id=coded.encounter_id,
        details={**ids, "claims": [{"id": str(c.id), "status": c.status.value, "frequency_code": c.frequency_code,
                                    "coverage_sequence": c.coverage_sequence} for c in plan.claims],
                 "retired": [str(c.id) for c in plan.retired]},
    )
    await uow.commit()


async def when_remit_received_update_claim(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    """The payer's answer moves the claim to paid, partially paid or denied, a reversal back to submitted
    (or to closed when a replacement took the claim's place);
    a replacement waiting for the payer's claim number goes on, and the next payer's claim is billed."""
    remit = envelope.payload_as(RemitReceived)
    ids = {"claim_id": str(remit.claim_id), "remit_claim_id": str(remit.remit_claim_id),
           "event_id": str(envelope.event_id)}
    repo = ClaimRepository(uow.session)
    claim = await repo.get(envelope.tenant_id, remit.claim_id, for_update=True)
    if claim is None:
        log.warning("remit for an unknown claim ignored", extra=ids)
        return
    now = utcnow()
    replaced_by = None
    if remit.outcome == "reversed":
        replaced_by = next((c for c in await repo.for_encounter(envelope.tenant_id, claim.encounter_id)
                            if claim.is_replaced_by(c)), None)
    try:
        claim.record_remit(remit, at=now, actor=envelope.event_type, replaced_by=replaced_by)
    except IllegalTransition as exc:
        # Dead-lettering would not help: the same remit can never apply. Left for a biller to look at.
        log.warning("remit does not fit the claim's status; ignored",
                    extra={**ids, "from": exc.current.value, "to": exc.requested.value})
        return
    await repo.save(claim, now)
    released = await release_held(uow.session, claim, now=now, actor=envelope.event_type)
    next_payer = await bill_next_payer(uow.session, claim, remit, now=now, actor=envelope.event_type)
    uow.audit(
        tenant_id=envelope.tenant_id, actor=f"event:{envelope.producer}", action="update", entity_type="claim",
        entity_id=claim.id, details={**ids, "status": claim.status.value, "outcome": remit.outcome,
                                     "released": [str(c.id) for c in released],
                                     "next_payer_claims": [str(c.id) for c in next_payer]},
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
