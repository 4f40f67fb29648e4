"""Ingesting 999 and 277CA files: claims accepted (ClaimAccepted) or rejected (ClaimRejected, back to the work queue).

One file is one transaction, and the same file (by content hash) is ingested once: a clearinghouse
that hands it over again, or a biller who posts it again, changes nothing and gets the first summary.
A 999 finds its batch by the group control number it acknowledges (our GS06) and its claims by
transaction set (our ST02); a 277CA finds each claim by its patient control number (TRN02 = CLM01).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import Any

from claims_svc import SERVICE_NAME
from claims_svc.adapters.batch_repository import AcknowledgmentLog, BatchRepository
from claims_svc.adapters.repository import ClaimRepository
from claims_svc.application.scrubbing import release_held, send_held_as_original
from claims_svc.domain.claim import Claim, ClaimStatus
from claims_svc.domain.rejections import Rejection, is_accepted_277, is_rejected_277, rejections_277, rejections_999
from claims_svc.domain.x12.acknowledgments import (
    AcknowledgmentError, FunctionalAcknowledgment, parse_277ca, parse_999, transaction_kind,
)
from openrcm_shared.contracts import ClaimAccepted, ClaimRejected, EventEnvelope, RejectionReason
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import InvalidInput
from openrcm_shared.x12 import X12Error

log = logging.getLogger(__name__)
_REJECTED_GROUP = frozenset({"R", "M", "W", "X"})


async def ingest(uow: UnitOfWork, *, tenant_id: str, content: str, source: str, actor: str) -> dict[str, Any]:
    """Apply one acknowledgement file; a summary of what it did (counts and claim ids, no patient data)."""
    digest = hashlib.sha256(content.encode()).hexdigest()
    acks = AcknowledgmentLog(uow.session)
    known = await acks.summary_of(tenant_id, digest)
    if known is not None:
        return {**known, "duplicate": True}
    try:
        kind = transaction_kind(content)
        now = utcnow()
        if kind == "999":
            summary = await _apply_999(uow, tenant_id, parse_999(content), now=now, actor=actor)
        else:
            summary = await _apply_277ca(uow, tenant_id, content, now=now, actor=actor)
    except (AcknowledgmentError, X12Error) as unreadable:
        raise InvalidInput(f"The file is not a readable 999 or 277CA: {unreadable}", errors=[
            {"pointer": "", "location": "body", "message": str(unreadable), "code": "not_an_acknowledgment"}]) from None
    summary = {"kind": kind, **summary, "duplicate": False}
    ack_id = await acks.add(tenant_id, kind=kind, content_sha256=digest, source=source[:80], summary=summary,
                            received_at=now)
    uow.audit(tenant_id=tenant_id, actor=actor, action="ingest", entity_type="acknowledgment", entity_id=ack_id,
              details={key: value for key, value in summary.items() if key != "kind"})
    await uow.commit()
    log.info("acknowledgement ingested", extra={"kind": kind, "accepted": len(summary["accepted"]),
                                                "rejected": len(summary["rejected"])})
    return summary


async def _apply_999(uow: UnitOfWork, tenant_id: str, groups: list[FunctionalAcknowledgment], *, now: datetime,
                     actor: str) -> dict[str, Any]:
    batches, repo = BatchRepository(uow.session), ClaimRepository(uow.session)
    summary: dict[str, Any] = {"accepted": [], "rejected": [], "unmatched": [], "batches": []}
    for group in groups:
        batch = await batches.by_group_control_number(tenant_id, group.group_control_number)
        if batch is None:
            summary["unmatched"].append(f"GS06 {group.group_control_number}")
            continue
        items = await batches.items(tenant_id, batch.id)
        answers = {int(answer.control_number): answer for answer in group.sets if answer.control_number.isdigit()}
        rejected_sets = {number for number, answer in answers.items() if not answer.accepted}
        if group.code in _REJECTED_GROUP and not group.sets:
            rejected_sets = {item.transaction_control_number for item in items}
        claims = {c.id: c for c in await repo.get_many(tenant_id, [i.claim_id for i in items], for_update=True)}
        for item in items:
            claim = claims.get(item.claim_id)
            if claim is None or claim.status != ClaimStatus.SUBMITTED or claim.batch_id != batch.id:
                continue
            if item.transaction_control_number in rejected_sets:
                answer = answers.get(item.transaction_control_number)
                reasons = rejections_999(answer) if answer is not None else [Rejection(
                    "999", f"AK9:{group.code}", "The clearinghouse rejected the whole batch.",
                    "Check the batch's route ids (/v1/routes) with the clearinghouse, then scrub the claims again.")]
                await _reject(uow, claim, reasons, now=now, actor=actor)
                summary["rejected"].append(str(claim.id))
            else:
                summary["accepted"].append(str(claim.id))  # syntax accepted; the payer's 277CA decides the rest
        all_sets = {item.transaction_control_number for item in items}
        batch.acknowledgment = ("rejected" if rejected_sets >= all_sets else
                                "partially_accepted" if rejected_sets else "accepted")
        await batches.update(batch)
        summary["batches"].append({"batch_id": str(batch.id), "acknowledgment": batch.acknowledgment})
    return summary


async def _apply_277ca(uow: UnitOfWork, tenant_id: str, content: str, *, now: datetime, actor: str) -> dict[str, Any]:
    repo = ClaimRepository(uow.session)
    summary: dict[str, Any] = {"accepted": [], "rejected": [], "pending": [], "unmatched": []}
    for ack in parse_277ca(content):
        chain = await repo.by_patient_control_number(tenant_id, ack.patient_control_number, for_update=True)
        claim = next((c for c in chain if c.status == ClaimStatus.SUBMITTED), None)
        if claim is None:
            summary["unmatched"].append(ack.patient_control_number)
            continue
        codes = ", ".join(status.code for status in ack.statuses)
        if is_rejected_277(ack):
            await _reject(uow, claim, rejections_277(ack), now=now, actor=actor)
            summary["rejected"].append(str(claim.id))
        elif is_accepted_277(ack):
            accepted = next(s for s in ack.statuses if s.category in ("A2", "A5"))
            claim.accept(payer_claim_number=ack.payer_claim_control_number, code=accepted.code, at=now, actor=actor)
            await repo.save(claim, now)
            _emit(uow, claim, ClaimAccepted(
                claim_id=claim.id, encounter_id=claim.encounter_id, patient_control_number=claim.patient_control_number,
                payer=claim.payer, payer_claim_control_number=ack.payer_claim_control_number,
                status_code=accepted.code, accepted_at=now))
            await release_held(uow.session, claim, now=now, actor=actor)
            summary["accepted"].append(str(claim.id))
        else:
            claim.note(f"277CA {codes}: received, not yet accepted", at=now, actor=actor)
            await repo.save(claim, now)
            summary["pending"].append(str(claim.id))
    return summary


async def _reject(uow: UnitOfWork, claim: Claim, reasons: list[Rejection], *, now: datetime, actor: str) -> None:
    claim.reject(reasons, at=now, actor=actor)
    await send_held_as_original(uow.session, claim, now=now, actor=actor)
    await ClaimRepository(uow.session).save(claim, now)
    _emit(uow, claim, ClaimRejected(
        claim_id=claim.id, encounter_id=claim.encounter_id, patient_control_number=claim.patient_control_number,
        payer=claim.payer, rejected_at=now,
        reasons=[RejectionReason(source=r.source, code=r.code, description=r.description,  # type: ignore[arg-type]
                                 suggested_fix=r.suggested_fix) for r in reasons]))


def _emit(uow: UnitOfWork, claim: Claim, event: ClaimAccepted | ClaimRejected) -> None:
    uow.emit(EventEnvelope.wrap(event, tenant_id=claim.tenant_id, producer=SERVICE_NAME,
                                correlation_id=claim.correlation_id))
