"""Staging and posting a remittance in chunks, inside the caller's unit of work.

Both steps work on ``CHUNK`` claims at a time: the expected claims, the earlier postings a reversal
takes back, the rows written and the events emitted are those of one chunk, and the unit of work
writes the chunk's outbox rows (``uow.flush``) before the next one. A payment of 50,000 claims so
never sits in memory as objects, while the whole of it still commits (or rolls back) as one
transaction. Nothing here commits: the use cases in ``remittances`` and ``era_files`` do, once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from openrcm_shared.contracts import EventEnvelope
from openrcm_shared.db import UnitOfWork
from payments_svc import SERVICE_NAME
from payments_svc.adapters.repository import ExpectedClaimRepository, RemittanceRepository
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.remittance import MatchedBy, RemitClaimStatus, Remittance, ReversalTarget
from payments_svc.domain.remittance_document import REVERSAL, ClaimPayment

CHUNK = 500


class Stager:
    """Stages the claims of one remittance as they come, ``CHUNK`` at a time."""

    def __init__(self, uow: UnitOfWork, remittance: Remittance) -> None:
        self._uow = uow
        self._remittance = remittance
        self._expected = ExpectedClaimRepository(uow.session)
        self._remittances = RemittanceRepository(uow.session)
        self._buffer: list[tuple[int, ClaimPayment]] = []

    async def add(self, sequence: int, payment: ClaimPayment) -> None:
        self._buffer.append((sequence, payment))
        if len(self._buffer) >= CHUNK:
            await self.flush()

    async def flush(self) -> None:
        buffer, self._buffer = self._buffer, []
        if not buffer:
            return
        tenant_id = self._remittance.tenant_id
        by_pcn = await self._expected.by_control_numbers(tenant_id, {p.patient_control_number for _, p in buffer})
        # A correction may come under a patient control number the payer changed: find the claim by the
        # payer's claim number (CLP07, or the original reference REF*F8) of an earlier posting.
        numbers = {
            number
            for _, p in buffer if p.patient_control_number not in by_pcn
            for number in (p.payer_claim_control_number, p.reference("F8")) if number
        }
        by_number: dict[str, ExpectedClaim] = {}
        if numbers:
            ids = await self._remittances.expected_claim_ids_by_payer_claim_number(tenant_id, numbers)
            claims = await self._expected.by_ids(tenant_id, set(ids.values()))
            by_number = {number: claims[i] for number, i in ids.items() if i in claims}
        matched: list[tuple[int, ClaimPayment, ExpectedClaim | None, MatchedBy]] = []
        for sequence, payment in buffer:
            expected, how = by_pcn.get(payment.patient_control_number), "patient_control_number"
            if expected is None:
                how = "payer_claim_number"
                expected = by_number.get(payment.payer_claim_control_number or "") or by_number.get(
                    payment.reference("F8") or "")
            matched.append((sequence, payment, expected, how))  # type: ignore[arg-type]
        reversed_claims = {e.id for _, p, e, _ in matched if e is not None and p.status_code == REVERSAL}
        targets = await self._remittances.reversal_targets(tenant_id, reversed_claims) if reversed_claims else {}
        staged = [
            self._remittance.stage(
                sequence, payment, expected, matched_by=how,
                reversal=_pick_target(targets.get(expected.id, []), payment)
                if expected is not None and payment.status_code == REVERSAL else None,
            )
            for sequence, payment, expected, how in matched
        ]
        await self._remittances.add_claims(self._remittance, staged)


def _pick_target(candidates: list[tuple[str | None, ReversalTarget]], reversal: ClaimPayment) -> ReversalTarget | None:
    """The posting with the payer claim number the reversal names, else the newest."""
    for number, target in candidates:
        if number and number == reversal.payer_claim_control_number:
            return target
    return candidates[0][1] if candidates else None


async def stage_all(uow: UnitOfWork, remittance: Remittance, claims: Iterable[ClaimPayment]) -> None:
    stager = Stager(uow, remittance)
    for sequence, payment in enumerate(claims, start=1):
        await stager.add(sequence, payment)
    await stager.flush()


async def post_staged(uow: UnitOfWork, remittance: Remittance, *, actor: str, at: datetime) -> None:
    """Post every staged ``posted`` claim: denials, RemitReceived/DenialRaised, reversals marked."""
    tenant_id = remittance.tenant_id
    remittances, expected_claims = RemittanceRepository(uow.session), ExpectedClaimRepository(uow.session)
    remittance.mark_posted(actor, at)
    after = 0
    while claims := await remittances.staged_claims(tenant_id, remittance.id, status=RemitClaimStatus.POSTED,
                                                    after_sequence=after, limit=CHUNK):
        expected = await expected_claims.by_ids(tenant_id, {c.match.expected_claim_id for c in claims if c.match})
        reversals: dict[uuid.UUID, uuid.UUID] = {}
        for claim in claims:
            assert claim.match is not None  # staged as posted only when matched
            for event in remittance.post_claim(claim, expected[claim.match.expected_claim_id]):
                uow.emit(EventEnvelope.wrap(event, tenant_id=tenant_id, producer=SERVICE_NAME))
            if claim.reverses_remit_claim_id is not None:
                reversals[claim.reverses_remit_claim_id] = claim.id
        await remittances.add_denials(remittance, claims)
        await remittances.mark_reversed(tenant_id, reversals)
        await uow.flush()
        after = claims[-1].sequence
    await remittances.save_header(remittance)
