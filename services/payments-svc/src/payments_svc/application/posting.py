"""Staging and posting a remittance in chunks, inside the caller's unit of work.

Both steps work on ``CHUNK`` claims at a time: the expected claims, the earlier postings a reversal
takes back, the rows written and the events emitted are those of one chunk, and the unit of work
writes the chunk's outbox rows (``uow.flush``) before the next one. A payment of 50,000 claims so
never sits in memory as objects, while the whole of it still commits (or rolls back) as one
transaction. Nothing here commits: the use cases in ``remittances``, ``era_files`` and
``expected_claims`` do, once.

Claims are matched to submitted claims by one matcher (``ClaimMatcher``), at staging and again, for
the claims staged unmatched, when their ClaimSubmitted arrives after the 835 (``match_waiting_claims``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from openrcm_shared.contracts import EventEnvelope
from openrcm_shared.db import UnitOfWork, utcnow
from payments_svc import SERVICE_NAME
from payments_svc.adapters.repository import (
    ExpectedClaimRepository, PostingSettingsRepository, RemittanceRepository, lock_control_numbers,
)
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.remittance import (
    MatchedBy, RemitClaim, RemitClaimStatus, Remittance, RemittanceStatus, ReversalTarget,
)
from payments_svc.domain.remittance_document import REVERSAL, ClaimPayment

CHUNK = 500


@dataclass(frozen=True)
class Matched:
    """What a claim payment answers: the expected claim (None: unmatched), how it was found, and for a
    reversal the earlier posting it takes back."""

    payment: ClaimPayment
    expected: ExpectedClaim | None
    matched_by: MatchedBy
    reversal: ReversalTarget | None


class ClaimMatcher:
    """Finds the submitted claim each claim payment answers: the one matcher of staging and late matching."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._session = uow.session
        self._expected = ExpectedClaimRepository(uow.session)
        self._remittances = RemittanceRepository(uow.session)

    async def match(self, tenant_id: str, payments: Sequence[ClaimPayment]) -> list[Matched]:
        control_numbers = {p.patient_control_number for p in payments}
        by_pcn = await self._expected.by_control_numbers(tenant_id, control_numbers)
        missing = control_numbers - by_pcn.keys()
        # About to stage claims as unmatched: wait for any expected claim of theirs being recorded right now,
        # then look again (see ``lock_control_numbers``).
        if await lock_control_numbers(self._session, tenant_id, missing, exclusive=False):
            by_pcn.update(await self._expected.by_control_numbers(tenant_id, missing))
        # A correction may come under a patient control number the payer changed: find the claim by the
        # payer's claim number (CLP07, or the original reference REF*F8) of an earlier posting.
        numbers = {
            number
            for p in payments if p.patient_control_number not in by_pcn
            for number in (p.payer_claim_control_number, p.reference("F8")) if number
        }
        by_number: dict[str, ExpectedClaim] = {}
        if numbers:
            ids = await self._remittances.expected_claim_ids_by_payer_claim_number(tenant_id, numbers)
            claims = await self._expected.by_ids(tenant_id, set(ids.values()))
            by_number = {number: claims[i] for number, i in ids.items() if i in claims}
        found: list[tuple[ClaimPayment, ExpectedClaim | None, MatchedBy]] = []
        for payment in payments:
            expected, how = by_pcn.get(payment.patient_control_number), "patient_control_number"
            if expected is None:
                how = "payer_claim_number"
                expected = by_number.get(payment.payer_claim_control_number or "") or by_number.get(
                    payment.reference("F8") or "")
            found.append((payment, expected, how))  # type: ignore[arg-type]
        reversed_claims = {e.id for p, e, _ in found if e is not None and p.status_code == REVERSAL}
        targets = await self._remittances.reversal_targets(tenant_id, reversed_claims) if reversed_claims else {}
        return [
            Matched(payment, expected, how,
                    _pick_target(targets.get(expected.id, []), payment)
                    if expected is not None and payment.status_code == REVERSAL else None)
            for payment, expected, how in found
        ]


class Stager:
    """Stages the claims of one remittance as they come, ``CHUNK`` at a time."""

    def __init__(self, uow: UnitOfWork, remittance: Remittance) -> None:
        self._remittance = remittance
        self._matcher = ClaimMatcher(uow)
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
        matches = await self._matcher.match(self._remittance.tenant_id, [payment for _, payment in buffer])
        staged = [
            self._remittance.stage(sequence, m.payment, m.expected, matched_by=m.matched_by, reversal=m.reversal)
            for (sequence, _), m in zip(buffer, matches, strict=True)
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
        await _post_claims(uow, remittance, claims, expected)
        await uow.flush()
        after = claims[-1].sequence
    await remittances.save_header(remittance)


async def _post_claims(
    uow: UnitOfWork, remittance: Remittance, claims: Sequence[RemitClaim], expected: Mapping[uuid.UUID, ExpectedClaim]
) -> None:
    """Post staged ``posted`` claims of a posted remittance: their events to the outbox, their denials
    stored, the postings their reversals take back marked."""
    tenant_id = remittance.tenant_id
    remittances = RemittanceRepository(uow.session)
    reversals: dict[uuid.UUID, uuid.UUID] = {}
    for claim in claims:
        assert claim.match is not None  # staged as posted only when matched
        for event in remittance.post_claim(claim, expected[claim.match.expected_claim_id]):
            uow.emit(EventEnvelope.wrap(event, tenant_id=tenant_id, producer=SERVICE_NAME))
        if claim.reverses_remit_claim_id is not None:
            reversals[claim.reverses_remit_claim_id] = claim.id
    await remittances.add_denials(remittance, claims)
    await remittances.mark_reversed(tenant_id, reversals)


@dataclass(frozen=True)
class LateMatch:
    """One remittance's claims matched late, and what became of the remittance."""

    remittance_id: uuid.UUID
    remit_claim_ids: tuple[uuid.UUID, ...]
    statuses: tuple[RemitClaimStatus, ...]
    posted: Literal["claims", "remittance", "no"]  # the claims posted into their posted remittance, the whole
    # remittance auto-posted (now clean), or nothing posted (the remittance waits for a payment poster)


async def match_waiting_claims(uow: UnitOfWork, tenant_id: str, patient_control_number: str) -> list[LateMatch]:
    """An expected claim was just recorded (or superseded) under this patient control number: the claims
    that 835s brought before it, staged unmatched, are matched now, exactly as staging would have matched
    them (``ClaimMatcher``), one remittance at a time in the order received (so a reversal finds the
    posting it takes back). A claim of a posted remittance is posted now, as ``post_staged`` would have;
    a staged remittance keeps waiting for its payment poster, unless it is now clean and the tenant lets
    clean remittances post by themselves, which posts it whole. Nothing commits here.

    Idempotent: only ``unmatched`` claims are looked at, so a repeated or superseding submission finds
    nothing left to match, and a claim is matched, and posted, once.
    """
    # Taken before looking, so a file being staged right now either is seen here or sees the expected claim.
    await lock_control_numbers(uow.session, tenant_id, [patient_control_number], exclusive=True)
    remittances = RemittanceRepository(uow.session)
    waiting = await remittances.unmatched_claims_with_control_number(tenant_id, patient_control_number)
    if not waiting:
        return []
    matcher = ClaimMatcher(uow)
    auto_post: bool | None = None
    done: list[LateMatch] = []
    by_remittance: dict[uuid.UUID, list[RemitClaim]] = {}
    for claim in waiting:
        by_remittance.setdefault(claim.remittance_id, []).append(claim)
    for remittance_id, claims in by_remittance.items():
        remittance = await remittances.get(tenant_id, remittance_id, for_update=True, with_claims=False)
        assert remittance is not None  # the claims reference it
        matches = await matcher.match(tenant_id, [c.payment for c in claims])
        matched: list[RemitClaim] = []
        for claim, m in zip(claims, matches, strict=True):
            if m.expected is None:
                continue  # not this number's claim after all (cannot happen: the caller just recorded it)
            late = remittance.match_late(claim, m.expected, matched_by=m.matched_by, reversal=m.reversal)
            await remittances.save_late_match(tenant_id, late)
            matched.append(late)
        if not matched:
            continue
        posted: Literal["claims", "remittance", "no"] = "no"
        if remittance.status == RemittanceStatus.POSTED:
            to_post = [c for c in matched if c.status == RemitClaimStatus.POSTED]
            expected = await ExpectedClaimRepository(uow.session).by_ids(
                tenant_id, {c.match.expected_claim_id for c in to_post if c.match})
            await _post_claims(uow, remittance, to_post, expected)
            await remittances.save_header(remittance)
            posted = "claims" if to_post else "no"
        else:
            if remittance.clean and auto_post is None:
                auto_post = (await PostingSettingsRepository(uow.session).get(tenant_id)).auto_post_clean_remits
            if remittance.clean and auto_post:
                await post_staged(uow, remittance, actor=f"auto-post:{remittance.received_by}", at=utcnow())
                posted = "remittance"
            else:
                await remittances.save_header(remittance)
        await uow.flush()
        done.append(LateMatch(remittance_id, tuple(c.id for c in matched), tuple(c.status for c in matched), posted))
    return done
