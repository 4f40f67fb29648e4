"""Scrubbing a claim: the domain rules with the tenant's reference data, then the 837P mapping itself.

A claim is READY only when the scrubber finds no error *and* the 837P writer would take it, so a
batch never meets a claim it cannot write (unless reference data changed in between: the batch
then sends the claim back here).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from claims_svc.adapters.reference_repository import BILLING_PROFILES, PAYERS, ROUTES, reference_item
from claims_svc.adapters.repository import ClaimRepository
from claims_svc.application.claim_837p import mapping_findings
from claims_svc.domain.claim import Claim, ClaimStatus
from claims_svc.domain.scrubber import ScrubContext, ScrubFinding, scrub
from openrcm_shared.contracts import RemitReceived

#: A claim of a secondary or tertiary coverage waits for the earlier payers' remittances (its 2320 loops).
WAITING_FOR_PRIMARY = "waits for the earlier payer's remittance before it can be scrubbed"


async def scrub_context(session: AsyncSession, claim: Claim, *, now: datetime) -> ScrubContext:
    payer = await reference_item(session, PAYERS, claim.tenant_id, claim.payer.payer_id)
    route_known = bool(payer and payer.route_id
                       and await reference_item(session, ROUTES, claim.tenant_id, payer.route_id) is not None)
    profile = await reference_item(session, BILLING_PROFILES, claim.tenant_id, claim.billing_provider_npi)
    duplicates = [] if claim.is_void else await ClaimRepository(session).duplicate_candidates(claim)
    return ScrubContext(today=now.date(), payer=payer, billing_profile=profile, route_known=route_known,
                        duplicates=duplicates)


def findings_for(claim: Claim, ctx: ScrubContext) -> list[ScrubFinding]:
    findings = scrub(claim, ctx)
    if not any(f.blocks for f in findings) and ctx.payer is not None and ctx.billing_profile is not None:
        findings += mapping_findings(claim, ctx.billing_profile, ctx.payer)
    return findings


async def scrub_claim(session: AsyncSession, claim: Claim, *, now: datetime, actor: str) -> None:
    """Scrub and move the claim to READY or SCRUB_FAILED; a secondary claim without its primary's remit waits."""
    if claim.waits_for_earlier_payer and claim.status == ClaimStatus.DRAFT:
        if not claim.history or claim.history[-1].reason != WAITING_FOR_PRIMARY:
            claim.note(WAITING_FOR_PRIMARY, at=now, actor=actor)
        return
    claim.apply_scrub(findings_for(claim, await scrub_context(session, claim, now=now)), at=now, actor=actor)


async def release_held(session: AsyncSession, claim: Claim, *, now: datetime, actor: str) -> list[Claim]:
    """The payer named ``claim``'s claim number: its chain's replacements and voids that waited for it go on."""
    number = claim.payer_claim_control_number
    if not number:
        return []
    repo = ClaimRepository(session)
    released = []
    # Held claims are SCRUB_FAILED: only those are read (and locked), not the whole chain with its history.
    for other in await repo.by_patient_control_number(claim.tenant_id, claim.patient_control_number, for_update=True,
                                                      status=ClaimStatus.SCRUB_FAILED):
        if other.id != claim.id and other.held_for_payer_claim_number:
            other.learn_payer_claim_number(number)
            await scrub_claim(session, other, now=now, actor=actor)
            await repo.save(other, now)
            released.append(other)
    return released


async def send_held_as_original(session: AsyncSession, rejected: Claim, *, now: datetime, actor: str) -> list[Claim]:
    """The payer rejected an original: a newer replacement of it that waited for a claim number is an original now."""
    if rejected.frequency_code != "1":
        return []
    repo = ClaimRepository(session)
    changed = []
    for other in await repo.by_patient_control_number(rejected.tenant_id, rejected.patient_control_number,
                                                      for_update=True, status=ClaimStatus.SCRUB_FAILED):
        if other.encounter_revision > rejected.encounter_revision and other.held_for_payer_claim_number \
                and other.frequency_code == "7":
            other.become_original(at=now, actor=actor,
                                  reason=f"the payer rejected the original (claim {rejected.id}); sent as an original")
            await scrub_claim(session, other, now=now, actor=actor)
            await repo.save(other, now)
            rejected.move_to(ClaimStatus.CLOSED, at=now, actor=actor,
                             reason=f"superseded by encounter revision {other.encounter_revision}")
            changed.append(other)
    return changed


_NEXT = {"primary": "secondary", "secondary": "tertiary"}


async def bill_next_payer(session: AsyncSession, earlier: Claim, remit: RemitReceived, *, now: datetime,
                          actor: str) -> list[Claim]:
    """The earlier payer's remit arrived: the next coverage's claim of the same revision takes it and is scrubbed."""
    next_sequence = _NEXT.get(earlier.coverage_sequence)
    if next_sequence is None or remit.outcome == "reversed":
        return []
    repo = ClaimRepository(session)
    waiting = await repo.for_coverage(earlier.tenant_id, earlier.encounter_id, earlier.encounter_revision,
                                      next_sequence, for_update=True)
    if not waiting:
        return []
    payer = await reference_item(session, PAYERS, earlier.tenant_id, earlier.payer.payer_id)
    indicator = payer.claim_filing_indicator if payer is not None else "ZZ"  # ZZ: mutually defined
    billed = []
    for claim in waiting:
        if claim.take_prior_adjudication(earlier, remit, claim_filing_indicator=indicator, at=now, actor=actor):
            await scrub_claim(session, claim, now=now, actor=actor)
            await repo.save(claim, now)
            billed.append(claim)
    return billed
