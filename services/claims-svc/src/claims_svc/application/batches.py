"""Batches: READY claims -> one 837P interchange per route -> handed to the route's clearinghouse.

Two transactions around the hand-over, so a batch is sent at least once and its claims are
submitted exactly once:

1. build (one transaction): lock the tenant's READY claims not in a batch (replicas take disjoint
   sets), map each with today's reference data (a claim that no longer maps goes back to the work
   queue), take control numbers from the tenant's counters, store the file and mark its claims as in
   the batch. Nothing has left yet, so a rollback loses nothing.
2. send (no transaction open): hand the stored file to the clearinghouse adapter; it is idempotent
   per batch (same file name, same Idempotency-Key), so sending again after a crash is harmless.
3. mark sent (one transaction): the batch is sent, its claims READY -> SUBMITTED, one ClaimSubmitted
   each through the outbox. A batch already marked sent changes nothing.

A batch whose hand-over fails stays ``built`` with the error; the periodic worker (or
``POST /v1/batches/{id}/send``) sends it again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from claims_svc import SERVICE_NAME
from claims_svc.adapters.batch_repository import (
    BUILT, SENT, Batch, BatchItem, BatchRepository, DatabaseControlNumbers,
)
from claims_svc.adapters.clearinghouse import Clearinghouse, ClearinghouseError, OutboundFile
from claims_svc.adapters.reference_repository import BILLING_PROFILES, PAYERS, ROUTES, ReferenceStore
from claims_svc.adapters.repository import ClaimRepository
from claims_svc.application.claim_837p import claim_to_837p, mapping_findings, write_837p_batch
from claims_svc.application.scrubbing import scrub_claim
from claims_svc.domain.claim import Claim, ClaimStatus
from claims_svc.domain.reference import SubmissionRoute
from claims_svc.domain.x12 import MAX_CLAIMS_PER_TRANSACTION
from claims_svc.domain.x12 import model_837p as x837
from openrcm_shared.contracts import EventEnvelope
from openrcm_shared.db import UnitOfWork, UnitOfWorkFactory, utcnow
from openrcm_shared.problems import NotFound

log = logging.getLogger(__name__)
#: How many READY claims one build looks at; the rest wait for the next build.
MAX_CLAIMS_PER_BUILD = 20_000


async def build_batches(uow: UnitOfWork, *, tenant_id: str, actor: str, max_claims: int,
                        route_id: str | None = None) -> list[Batch]:
    """Step 1 for one tenant: its READY claims as built batches, one or more per route."""
    now = utcnow()
    session = uow.session
    repo = ClaimRepository(session)
    ready = await repo.ready(tenant_id, limit=MAX_CLAIMS_PER_BUILD)
    if not ready:
        return []
    payers = {p.payer_id: p for p in await ReferenceStore(session, PAYERS).find(
        tenant_id, payer_id=sorted({c.payer.payer_id for c in ready}))}
    routes = {r.route_id: r for r in await ReferenceStore(session, ROUTES).find(
        tenant_id, route_id=sorted({p.route_id for p in payers.values() if p.route_id}))}
    profiles = {b.npi: b for b in await ReferenceStore(session, BILLING_PROFILES).find(
        tenant_id, npi=sorted({c.billing_provider_npi for c in ready}))}
    by_route: dict[str, list[tuple[Claim, x837.Claim]]] = {}
    for claim in ready:
        payer, profile = payers.get(claim.payer.payer_id), profiles.get(claim.billing_provider_npi)
        route = routes.get(payer.route_id) if payer is not None and payer.route_id else None
        if route_id is not None and (route is None or route.route_id != route_id):
            continue
        if payer is None or route is None or profile is None or mapping_findings(claim, profile, payer):
            await scrub_claim(session, claim, now=now, actor=actor)  # back to the work queue with the reasons
            await repo.save(claim, now)
            continue
        by_route.setdefault(route.route_id, []).append((claim, claim_to_837p(claim, profile, payer)))
    built = []
    for rid, entries in by_route.items():
        for start in range(0, len(entries), max_claims):
            built.append(await _build_one(uow, tenant_id, routes[rid], entries[start:start + max_claims], now))
    for batch in built:
        uow.audit(tenant_id=tenant_id, actor=actor, action="create", entity_type="claim_batch", entity_id=batch.id,
                  details={"route_id": batch.route_id, "claims": batch.claim_count})
    await uow.commit()
    return built


async def _build_one(uow: UnitOfWork, tenant_id: str, route: SubmissionRoute, entries: list[tuple[Claim, x837.Claim]],
                     now: datetime) -> Batch:
    batch_id = uuid.uuid4()
    text, (interchange, group, transactions) = await write_837p_batch(
        [mapped for _, mapped in entries], route, DatabaseControlNumbers(uow.session, tenant_id),
        reference=batch_id.hex, created_at=now)
    claims = [claim for claim, _ in entries]
    batch = Batch(
        id=batch_id, tenant_id=tenant_id, route_id=route.route_id, clearinghouse=route.clearinghouse, status=BUILT,
        interchange_control_number=interchange, group_control_number=group,
        transaction_control_numbers=list(transactions), claim_count=len(claims),
        total_charge=sum((claim.total_charge for claim in claims), Decimal("0.00")),
        file_name=f"837P-{interchange:09d}-{batch_id.hex[:12]}.x12", created_at=now,
    )
    items = [BatchItem(claim.id, claim.patient_control_number, transactions[index // MAX_CLAIMS_PER_TRANSACTION])
             for index, claim in enumerate(claims)]
    await BatchRepository(uow.session).add(batch, text, items)
    for claim in claims:
        claim.batch_id = batch_id
    await ClaimRepository(uow.session).save_many(claims, now)
    return batch


async def send_batch(uow_factory: UnitOfWorkFactory, clearinghouses: Mapping[str, Clearinghouse], *, tenant_id: str,
                     batch_id: uuid.UUID, actor: str) -> Batch:
    """Steps 2 and 3: hand the stored file over, then mark the batch and its claims sent."""
    async with uow_factory() as uow:
        store = BatchRepository(uow.session)
        batch = await store.get(tenant_id, batch_id)
        if batch is None:
            raise NotFound("No batch with that id.")
        if batch.status == SENT:
            return batch
        content = await store.content(tenant_id, batch_id) or ""
    ids = {"batch_id": str(batch_id), "clearinghouse": batch.clearinghouse}
    try:
        adapter = clearinghouses.get(batch.clearinghouse)
        if adapter is None:
            raise ClearinghouseError(f"no clearinghouse connection named {batch.clearinghouse} is configured",
                                     retryable=False)
        receipt = await adapter.submit(OutboundFile(tenant_id, batch_id, batch.file_name, content))
    except ClearinghouseError as failed:
        log.warning("batch not handed over; it stays built and is sent again later", extra={**ids, "error": str(failed)})
        return await _record_attempt(uow_factory, tenant_id, batch_id, error=str(failed))
    async with uow_factory() as uow:
        store = BatchRepository(uow.session)
        batch = await store.get(tenant_id, batch_id, for_update=True)
        if batch is None or batch.status == SENT:
            return batch  # type: ignore[return-value]
        now = utcnow()
        repo = ClaimRepository(uow.session)
        claims = await repo.get_many(tenant_id, [item.claim_id for item in await store.items(tenant_id, batch_id)],
                                     for_update=True)
        submitted = [claim for claim in claims if claim.status == ClaimStatus.READY and claim.batch_id == batch_id]
        for claim in submitted:
            claim.mark_submitted(batch_id, at=now, actor=actor)
            uow.emit(EventEnvelope.wrap(claim.submission(now), tenant_id=tenant_id, producer=SERVICE_NAME,
                                        correlation_id=claim.correlation_id, causation_id=f"batch:{batch_id}"))
        await repo.save_many(submitted, now)
        batch.status, batch.sent_at, batch.attempts = SENT, now, batch.attempts + 1
        batch.submission_reference, batch.last_error = receipt.reference[:200], None
        await store.update(batch)
        uow.audit(tenant_id=tenant_id, actor=actor, action="send", entity_type="claim_batch", entity_id=batch_id,
                  details={**ids, "claims": len(claims)})
        await uow.commit()
    log.info("batch sent", extra={**ids, "claims": batch.claim_count})
    return batch


async def _record_attempt(uow_factory: UnitOfWorkFactory, tenant_id: str, batch_id: uuid.UUID, *, error: str) -> Batch:
    async with uow_factory() as uow:
        store = BatchRepository(uow.session)
        batch = await store.get(tenant_id, batch_id, for_update=True)
        assert batch is not None
        if batch.status != SENT:
            batch.attempts += 1
            batch.last_error = error[:2000]
            await store.update(batch)
            await uow.commit()
        return batch


async def submit_ready_claims(uow_factory: UnitOfWorkFactory, clearinghouses: Mapping[str, Clearinghouse], *,
                              tenant_id: str, actor: str, max_claims: int, route_id: str | None = None) -> list[Batch]:
    """Build the tenant's batches, then send each; the batches as they stand afterwards."""
    async with uow_factory() as uow:
        built = await build_batches(uow, tenant_id=tenant_id, actor=actor, max_claims=max_claims, route_id=route_id)
    return [await send_batch(uow_factory, clearinghouses, tenant_id=tenant_id, batch_id=batch.id, actor=actor)
            for batch in built]


async def send_waiting_batches(uow_factory: UnitOfWorkFactory, clearinghouses: Mapping[str, Clearinghouse], *,
                               actor: str, older_than: timedelta) -> int:
    """Every tenant's batches built more than ``older_than`` ago and not sent (a failed hand-over, a crash)."""
    async with uow_factory() as uow:
        waiting = await BatchRepository(uow.session).unsent(before=utcnow() - older_than)
    for tenant_id, batch_id in waiting:
        await send_batch(uow_factory, clearinghouses, tenant_id=tenant_id, batch_id=batch_id, actor=actor)
    return len(waiting)


async def tenants_with_ready_claims(uow_factory: UnitOfWorkFactory) -> list[str]:
    async with uow_factory() as uow:
        return await ClaimRepository(uow.session).tenants_with_ready_claims()
