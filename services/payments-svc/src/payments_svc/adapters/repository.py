"""Repositories of payments-svc: load and save aggregates, always inside one tenant."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from openrcm_shared.contracts import (
    Adjustment, Patient, PatientResponsibility, PayerRef, PaymentInfo, SubmittedServiceLine,
)
from openrcm_shared.contracts.events import DenialCategory, Department, RecommendedAction
from openrcm_shared.db import constant_in_sql
from payments_svc.adapters.orm import (
    denials, era_files, expected_claims, posting_settings, provider_adjustments, remit_claims, remittances,
)
from payments_svc.domain.balancing import BalanceProblem
from payments_svc.domain.denials import DenialFinding
from payments_svc.domain.era_file import EraFile, PostingSettings
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.line_matching import LineMatch
from payments_svc.domain.reconciliation import DenialRecord
from payments_svc.domain.remittance import (
    ClaimMatch, Denial, Deposit, Note, RemitClaim, RemitClaimStatus, Remittance, RemittanceStatus, RemittanceSummary,
    ReversalTarget,
)
from payments_svc.domain.remittance_document import (
    REVERSAL, TAKEBACK_REASONS, ClaimPayment, PayeeRef, ProviderAdjustment, RemittanceHeader, ServiceLinePayment,
)

#: Keeps IN (...) lists well below the drivers' bind-parameter limits.
_IN_CHUNK = 1000

_Lines = TypeAdapter(tuple[SubmittedServiceLine, ...])
_Adjustments = TypeAdapter(tuple[Adjustment, ...])
_RemitLines = TypeAdapter(tuple[ServiceLinePayment, ...])


def _chunks(values: Collection[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start:start + _IN_CHUNK]


#: Lock space of ``lock_control_numbers`` (the two-key advisory locks; migrations use the one-key space).
_CONTROL_NUMBER_LOCKS = 835
#: Patient control numbers share this many locks, so that staging a large file holds a bounded number.
_CONTROL_NUMBER_BUCKETS = 256


async def lock_control_numbers(
    session: AsyncSession, tenant_id: str, patient_control_numbers: Collection[str], *, exclusive: bool
) -> bool:
    """Serialize "stage a claim as unmatched" with "record the expected claim and match what waits for it".

    Staging takes these locks shared for the numbers it found no expected claim for, then looks again;
    recording an expected claim takes its number's lock exclusive before it looks for unmatched claims.
    Whichever comes second sees what the first committed, so no claim is left unmatched behind an
    expected claim recorded concurrently. Transaction-scoped (PostgreSQL advisory locks); on SQLite every
    write transaction already runs alone (BEGIN IMMEDIATE), so nothing is taken. Returns whether locks
    were taken."""
    if session.get_bind().dialect.name != "postgresql" or not patient_control_numbers:
        return False
    buckets = sorted({zlib.crc32(f"{tenant_id}\x1f{pcn}".encode()) % _CONTROL_NUMBER_BUCKETS
                      for pcn in patient_control_numbers})
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await session.execute(
        text(f"SELECT count({function}(:space, bucket)) FROM unnest(CAST(:buckets AS integer[])) AS bucket"),
        {"space": _CONTROL_NUMBER_LOCKS, "buckets": buckets},
    )
    return True


class ExpectedClaimRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_by_control_number(
        self, tenant_id: str, patient_control_number: str, *, for_update: bool = False
    ) -> ExpectedClaim | None:
        query = select(expected_claims).where(
            expected_claims.c.tenant_id == tenant_id, expected_claims.c.patient_control_number == patient_control_number
        )
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return _expected_claim(row) if row else None

    async def by_control_numbers(self, tenant_id: str, control_numbers: Collection[str]) -> dict[str, ExpectedClaim]:
        found: dict[str, ExpectedClaim] = {}
        for chunk in _chunks(set(control_numbers)):
            rows = await self._session.execute(
                select(expected_claims).where(
                    expected_claims.c.tenant_id == tenant_id, expected_claims.c.patient_control_number.in_(chunk)
                )
            )
            for row in rows.mappings():
                claim = _expected_claim(row)
                found[claim.patient_control_number] = claim
        return found

    async def by_ids(self, tenant_id: str, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ExpectedClaim]:
        found: dict[uuid.UUID, ExpectedClaim] = {}
        for chunk in _chunks(set(ids)):
            rows = await self._session.execute(
                select(expected_claims).where(expected_claims.c.tenant_id == tenant_id, expected_claims.c.id.in_(chunk))
            )
            for row in rows.mappings():
                claim = _expected_claim(row)
                found[claim.id] = claim
        return found

    async def add(self, claim: ExpectedClaim, now: datetime) -> None:
        await self._session.execute(
            insert(expected_claims).values(**_expected_claim_row(claim), created_at=now, updated_at=now)
        )

    async def save(self, claim: ExpectedClaim, now: datetime) -> None:
        await self._session.execute(
            update(expected_claims)
            .where(expected_claims.c.tenant_id == claim.tenant_id, expected_claims.c.id == claim.id)
            .values(**_expected_claim_row(claim), updated_at=now)
        )

    async def list(
        self, tenant_id: str, *, patient_control_number: str | None, limit: int, offset: int
    ) -> list[ExpectedClaim]:
        query = select(expected_claims).where(expected_claims.c.tenant_id == tenant_id)
        if patient_control_number is not None:
            query = query.where(expected_claims.c.patient_control_number == patient_control_number)
        query = query.order_by(expected_claims.c.submitted_at.desc(), expected_claims.c.id).limit(limit).offset(offset)
        return [_expected_claim(row) for row in (await self._session.execute(query)).mappings()]


class LateMatchConflict(Exception):
    """A claim to match late was changed by a concurrent transaction."""


class RemittanceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_same_payment(
        self, tenant_id: str, payer_id: str, trace_number: str, amount: Decimal
    ) -> uuid.UUID | None:
        return await self._session.scalar(
            select(remittances.c.id).where(
                remittances.c.tenant_id == tenant_id,
                remittances.c.payer_id == payer_id,
                remittances.c.trace_number == trace_number,
                remittances.c.payment_amount == amount,
            )
        )

    async def expected_claim_ids_by_payer_claim_number(
        self, tenant_id: str, numbers: Collection[str]
    ) -> dict[str, uuid.UUID]:
        """Payer claim number (CLP07) -> the expected claim an earlier posting with that number answered."""
        found: dict[str, uuid.UUID] = {}
        for chunk in _chunks(set(numbers)):
            rows = await self._session.execute(
                select(remit_claims.c.payer_claim_control_number, remit_claims.c.expected_claim_id)
                .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.payer_claim_control_number.in_(chunk),
                       remit_claims.c.expected_claim_id.is_not(None))
                .order_by(remit_claims.c.created_at, remit_claims.c.sequence)
            )
            for number, expected_claim_id in rows:
                found[number] = expected_claim_id
        return found

    async def reversal_targets(
        self, tenant_id: str, expected_claim_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str | None, ReversalTarget]]]:
        """Expected claim id -> its posted, not yet reversed, non-reversal claim payments, newest first,
        each with its payer claim number."""
        found: dict[uuid.UUID, list[tuple[str | None, ReversalTarget]]] = {}
        c = remit_claims.c
        for chunk in _chunks(set(expected_claim_ids)):
            rows = await self._session.execute(
                select(c.expected_claim_id, c.id, c.payer_claim_control_number, c.total_charge, c.total_paid, c.claim_id)
                .join(remittances, remittances.c.id == c.remittance_id)
                .where(c.tenant_id == tenant_id, c.expected_claim_id.in_(chunk),
                       c.status == RemitClaimStatus.POSTED.value, c.status_code != REVERSAL,
                       c.reversed_by_remit_claim_id.is_(None), remittances.c.status == RemittanceStatus.POSTED.value)
                .order_by(c.created_at.desc(), c.sequence.desc())
            )
            for expected_claim_id, remit_claim_id, number, charge, paid, claim_id in rows:
                found.setdefault(expected_claim_id, []).append(
                    (number, ReversalTarget(remit_claim_id, charge, paid, claim_id)))
        return found

    # ---------------------------------------------------------------- writing, in steps
    async def add_header(self, remittance: Remittance) -> None:
        header, payment = remittance.header, remittance.payment
        await self._session.execute(
            insert(remittances).values(
                id=remittance.id, tenant_id=remittance.tenant_id, payer_id=header.payer.payer_id,
                payer_name=header.payer.name, trace_number=payment.trace_number, payment_method=payment.method,
                payment_amount=payment.amount, payment_date=payment.payment_date, source=remittance.source,
                received_by=remittance.received_by, received_at=remittance.received_at,
                era_file_id=remittance.era_file_id, transaction_index=remittance.transaction_index,
                transaction_control_number=header.transaction_control_number, credit_debit=header.credit_debit,
                handling_code=header.handling_code, originating_company_id=header.originating_company_id,
                payee=header.payee.model_dump(mode="json") if header.payee else None,
                production_date=header.production_date, **_remittance_state(remittance),
            )
        )

    async def save_header(self, remittance: Remittance) -> None:
        await self._session.execute(
            update(remittances)
            .where(remittances.c.tenant_id == remittance.tenant_id, remittances.c.id == remittance.id)
            .values(**_remittance_state(remittance))
        )

    async def add_claims(self, remittance: Remittance, claims: Iterable[RemitClaim]) -> None:
        rows = [_remit_claim_row(remittance, claim) for claim in claims]
        if rows:
            await self._session.execute(insert(remit_claims), rows)

    async def add_provider_adjustments(self, remittance: Remittance) -> None:
        rows = [
            {"id": uuid.uuid4(), "tenant_id": remittance.tenant_id, "remittance_id": remittance.id, "sequence": n,
             "provider_id": a.provider_id[:50], "fiscal_period_end": a.fiscal_period_end, "reason_code": a.reason_code,
             "reference": (a.reference or "")[:50] or None, "amount": a.amount,
             "is_takeback": a.reason_code in TAKEBACK_REASONS}
            for n, a in enumerate(remittance.provider_adjustments, start=1)
        ]
        if rows:
            await self._session.execute(insert(provider_adjustments), rows)

    async def add_denials(self, remittance: Remittance, claims: Iterable[RemitClaim]) -> None:
        rows = [
            _denial_row(remittance, claim.id, claim.match.claim_id, denial)
            for claim in claims
            if claim.match is not None
            for denial in claim.denials
        ]
        if rows:
            await self._session.execute(insert(denials), rows)

    async def mark_reversed(self, tenant_id: str, reversals: Mapping[uuid.UUID, uuid.UUID]) -> None:
        """reversed remit claim id -> the reversal that took it back."""
        for target, reversal in reversals.items():
            await self._session.execute(
                update(remit_claims).where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.id == target)
                .values(reversed_by_remit_claim_id=reversal)
            )

    async def unmatched_claims_with_control_number(
        self, tenant_id: str, patient_control_number: str
    ) -> list[RemitClaim]:
        """Claims of any remittance, staged or posted, that wait unmatched under this patient control number,
        in the order they were received."""
        # The status is in the SQL text, so the cached plan can use the partial index of unmatched claims.
        rows = await self._session.execute(
            select(remit_claims)
            .where(remit_claims.c.tenant_id == tenant_id,
                   remit_claims.c.status == constant_in_sql(RemitClaimStatus.UNMATCHED.value),
                   remit_claims.c.patient_control_number == patient_control_number)
            .order_by(remit_claims.c.created_at, remit_claims.c.remittance_id, remit_claims.c.sequence)
            .with_for_update()
        )
        return [_remit_claim(row) for row in rows.mappings()]

    async def save_late_match(self, tenant_id: str, claim: RemitClaim) -> None:
        """Write what a late match made of a claim that was unmatched. Only an unmatched claim changes:
        one matched meanwhile is a conflict (the caller's transaction is retried), never matched twice."""
        row = _remit_claim_row_match(claim)
        done = await self._session.execute(
            update(remit_claims)
            .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.id == claim.id,
                   remit_claims.c.status == RemitClaimStatus.UNMATCHED.value)
            .values(**row)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise LateMatchConflict("the remittance claim is no longer unmatched")

    async def staged_claims(
        self, tenant_id: str, remittance_id: uuid.UUID, *, status: RemitClaimStatus | None, after_sequence: int,
        limit: int,
    ) -> list[RemitClaim]:
        """Claims of a remittance in order, a page at a time (keyset on the sequence)."""
        query = select(remit_claims).where(
            remit_claims.c.tenant_id == tenant_id, remit_claims.c.remittance_id == remittance_id,
            remit_claims.c.sequence > after_sequence,
        )
        if status is not None:
            query = query.where(remit_claims.c.status == status.value)
        rows = (await self._session.execute(query.order_by(remit_claims.c.sequence).limit(limit))).mappings()
        return [_remit_claim(row) for row in rows]

    # ---------------------------------------------------------------- reading
    async def get(self, tenant_id: str, remittance_id: uuid.UUID, *, for_update: bool = False,
                  with_claims: bool = True) -> Remittance | None:
        query = select(remittances).where(remittances.c.tenant_id == tenant_id, remittances.c.id == remittance_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        if row is None:
            return None
        remittance = _remittance(row)
        remittance.keep_claims = with_claims
        plb_rows = await self._session.execute(
            select(provider_adjustments).where(provider_adjustments.c.tenant_id == tenant_id,
                                               provider_adjustments.c.remittance_id == remittance_id)
            .order_by(provider_adjustments.c.sequence)
        )
        remittance.provider_adjustments = [_provider_adjustment(r) for r in plb_rows.mappings()]
        for status, count in await self._session.execute(
            select(remit_claims.c.status, func.count())
            .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.remittance_id == remittance_id)
            .group_by(remit_claims.c.status)
        ):
            remittance.counts[RemitClaimStatus(status)] = count
        remittance.denial_count = int(await self._session.scalar(
            select(func.count()).select_from(denials)
            .where(denials.c.tenant_id == tenant_id, denials.c.remittance_id == remittance_id)
        ) or 0)
        if with_claims:
            remittance.claims = await self.claims_page(tenant_id, remittance_id, limit=None, offset=0)
        return remittance

    async def claims_page(
        self, tenant_id: str, remittance_id: uuid.UUID, *, limit: int | None, offset: int
    ) -> list[RemitClaim]:
        query = (
            select(remit_claims)
            .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.remittance_id == remittance_id)
            .order_by(remit_claims.c.sequence).offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        claims = [_remit_claim(row) for row in (await self._session.execute(query)).mappings()]
        return await self._with_denials(tenant_id, claims)

    async def list_summaries(
        self, tenant_id: str, *, limit: int, offset: int, ids: Collection[uuid.UUID] | None = None,
        reconciled: bool | None = None, posted_only: bool = False,
    ) -> list[RemittanceSummary]:
        """``reconciled``: only posted payments (not) matched to a bank deposit."""
        query = select(remittances).where(remittances.c.tenant_id == tenant_id)
        if ids is not None:
            query = query.where(remittances.c.id.in_(list(ids)))
        if posted_only or reconciled is not None:
            query = query.where(remittances.c.status == RemittanceStatus.POSTED.value)
        if reconciled is not None:
            query = query.where(
                remittances.c.reconciled_at.is_not(None) if reconciled else remittances.c.reconciled_at.is_(None)
            )
        rows = (
            await self._session.execute(
                query.order_by(remittances.c.received_at.desc(), remittances.c.id).limit(limit).offset(offset)
            )
        ).mappings().all()
        ids = [row["id"] for row in rows]
        claim_counts: dict[tuple[uuid.UUID, str], int] = {}
        denial_counts: dict[uuid.UUID, int] = {}
        if ids:
            for remittance_id, status, count in await self._session.execute(
                select(remit_claims.c.remittance_id, remit_claims.c.status, func.count())
                .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.remittance_id.in_(ids))
                .group_by(remit_claims.c.remittance_id, remit_claims.c.status)
            ):
                claim_counts[(remittance_id, status)] = count
            for remittance_id, count in await self._session.execute(
                select(denials.c.remittance_id, func.count())
                .where(denials.c.tenant_id == tenant_id, denials.c.remittance_id.in_(ids))
                .group_by(denials.c.remittance_id)
            ):
                denial_counts[remittance_id] = count
        summaries = []
        for row in rows:
            remittance = _remittance(row)
            for status in RemitClaimStatus:
                remittance.counts[status] = claim_counts.get((row["id"], status.value), 0)
            remittance.denial_count = denial_counts.get(row["id"], 0)
            summaries.append(remittance.summary())
        return summaries

    async def unmatched_claims(self, tenant_id: str, *, limit: int, offset: int) -> list[RemitClaim]:
        """The unmatched queue of posted remittances, oldest first (work it in the order it arrived)."""
        return await self._queue(tenant_id, remit_claims.c.status == RemitClaimStatus.UNMATCHED.value, limit, offset)

    async def claims_with_unmatched_lines(self, tenant_id: str, *, limit: int, offset: int) -> list[RemitClaim]:
        """Posted claims with lines that match none of the submitted lines, oldest first."""
        return await self._queue(tenant_id, remit_claims.c.has_unmatched_lines.is_(True), limit, offset)

    async def _queue(self, tenant_id: str, condition: Any, limit: int, offset: int) -> list[RemitClaim]:
        rows = (
            await self._session.execute(
                select(remit_claims)
                .join(remittances, remittances.c.id == remit_claims.c.remittance_id)
                .where(remit_claims.c.tenant_id == tenant_id, condition,
                       remittances.c.status == RemittanceStatus.POSTED.value)
                .order_by(remit_claims.c.created_at, remit_claims.c.remittance_id, remit_claims.c.sequence)
                .limit(limit)
                .offset(offset)
            )
        ).mappings().all()
        return [_remit_claim(row) for row in rows]

    async def _with_denials(self, tenant_id: str, claims: list[RemitClaim]) -> list[RemitClaim]:
        by_id = {claim.id: claim for claim in claims}
        for chunk in _chunks(by_id):
            rows = await self._session.execute(
                select(denials)
                .where(denials.c.tenant_id == tenant_id, denials.c.remit_claim_id.in_(chunk))
                .order_by(denials.c.created_at, denials.c.id)
            )
            for row in rows.mappings():
                by_id[row["remit_claim_id"]].denials.append(_denial(row))
        return claims

    # ---------------------------------------------------------------- reconciliation
    async def record_deposit(self, tenant_id: str, remittance_id: uuid.UUID, deposit: Deposit) -> None:
        await self._session.execute(
            update(remittances).where(remittances.c.tenant_id == tenant_id, remittances.c.id == remittance_id)
            .values(deposit_reference=deposit.reference, deposit_date=deposit.deposit_date,
                    deposit_amount=deposit.amount, reconciled_at=deposit.matched_at, reconciled_by=deposit.matched_by)
        )

    async def posted_totals(self, tenant_id: str, remittance_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
        """Remittance id -> what its posted claims paid."""
        totals: dict[uuid.UUID, Decimal] = {}
        for chunk in _chunks(set(remittance_ids)):
            for remittance_id, total in await self._session.execute(
                select(remit_claims.c.remittance_id, func.sum(remit_claims.c.total_paid))
                .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.remittance_id.in_(chunk),
                       remit_claims.c.status == RemitClaimStatus.POSTED.value)
                .group_by(remit_claims.c.remittance_id)
            ):
                totals[remittance_id] = Decimal(total)
        return totals


class ReportRepository:
    """Aggregates over posted remittances for a period [start, end] of posting dates."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def posted_claims_by_payer(self, tenant_id: str, start: datetime, end: datetime) -> dict[str, int]:
        rows = await self._session.execute(
            select(remittances.c.payer_id, func.count())
            .select_from(remit_claims.join(remittances, remittances.c.id == remit_claims.c.remittance_id))
            .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.status == RemitClaimStatus.POSTED.value,
                   remittances.c.status == RemittanceStatus.POSTED.value, remittances.c.posted_at >= start,
                   remittances.c.posted_at < end)
            .group_by(remittances.c.payer_id)
        )
        return {payer_id: count for payer_id, count in rows}

    async def denial_records(self, tenant_id: str, start: datetime, end: datetime) -> list[DenialRecord]:
        rows = await self._session.execute(
            select(denials.c.remit_claim_id, remittances.c.payer_id, denials.c.category, denials.c.owning_department,
                   denials.c.denied_amount, denials.c.adjustments)
            .select_from(denials.join(remittances, remittances.c.id == denials.c.remittance_id))
            .where(denials.c.tenant_id == tenant_id, denials.c.created_at >= start, denials.c.created_at < end)
        )
        return [
            DenialRecord(remit_claim_id=r[0], payer_id=r[1], category=r[2], department=r[3], denied_amount=r[4],
                         adjustments=_Adjustments.validate_python(r[5]))
            for r in rows
        ]


class EraFileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_by_hash(self, tenant_id: str, content_sha256: str) -> EraFile | None:
        row = (await self._session.execute(
            select(*_ERA_FILE_COLUMNS).where(era_files.c.tenant_id == tenant_id,
                                             era_files.c.content_sha256 == content_sha256)
        )).mappings().first()
        return EraFile(**row) if row else None

    async def get(self, tenant_id: str, era_file_id: uuid.UUID) -> EraFile | None:
        row = (await self._session.execute(
            select(*_ERA_FILE_COLUMNS).where(era_files.c.tenant_id == tenant_id, era_files.c.id == era_file_id)
        )).mappings().first()
        return EraFile(**row) if row else None

    async def content(self, tenant_id: str, era_file_id: uuid.UUID) -> bytes | None:
        return await self._session.scalar(
            select(era_files.c.content).where(era_files.c.tenant_id == tenant_id, era_files.c.id == era_file_id)
        )

    async def add(self, era_file: EraFile, content: bytes) -> None:
        await self._session.execute(insert(era_files).values(**asdict(era_file), content=content))

    async def save_outcome(self, era_file: EraFile) -> None:
        await self._session.execute(
            update(era_files).where(era_files.c.tenant_id == era_file.tenant_id, era_files.c.id == era_file.id)
            .values(transactions=era_file.transactions, problems=era_file.problems)
        )


class PostingSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str) -> PostingSettings:
        row = (await self._session.execute(
            select(posting_settings).where(posting_settings.c.tenant_id == tenant_id)
        )).mappings().first()
        if row is None:
            return PostingSettings(tenant_id=tenant_id)
        return PostingSettings(tenant_id=tenant_id, auto_post_clean_remits=row["auto_post_clean_remits"],
                               updated_by=row["updated_by"], updated_at=row["updated_at"])

    async def save(self, settings: PostingSettings) -> None:
        values = {"auto_post_clean_remits": settings.auto_post_clean_remits, "updated_by": settings.updated_by,
                  "updated_at": settings.updated_at}
        done = await self._session.execute(
            update(posting_settings).where(posting_settings.c.tenant_id == settings.tenant_id).values(**values)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            await self._session.execute(insert(posting_settings).values(tenant_id=settings.tenant_id, **values))


_ERA_FILE_COLUMNS = [c for c in era_files.c if c.name != "content"]

# ---------------------------------------------------------------- rows <-> domain
def _expected_claim_row(claim: ExpectedClaim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "tenant_id": claim.tenant_id,
        "claim_id": claim.claim_id,
        "encounter_id": claim.encounter_id,
        "encounter_revision": claim.encounter_revision,
        "patient_control_number": claim.patient_control_number,
        "frequency_code": claim.frequency_code,
        "payer_id": claim.payer.payer_id,
        "payer_name": claim.payer.name,
        "coverage_sequence": claim.coverage_sequence,
        "patient": claim.patient.model_dump(mode="json"),
        "lines": _Lines.dump_python(claim.lines, mode="json"),
        "total_charge": claim.total_charge,
        "service_date_from": claim.service_date_from,
        "service_date_to": claim.service_date_to,
        "submitted_at": claim.submitted_at,
    }


def _expected_claim(row: Mapping[str, Any]) -> ExpectedClaim:
    return ExpectedClaim(
        id=row["id"],
        tenant_id=row["tenant_id"],
        claim_id=row["claim_id"],
        encounter_id=row["encounter_id"],
        encounter_revision=row["encounter_revision"],
        patient_control_number=row["patient_control_number"],
        frequency_code=row["frequency_code"],
        payer=PayerRef(payer_id=row["payer_id"], name=row["payer_name"]),
        coverage_sequence=row["coverage_sequence"],
        patient=Patient.model_validate(row["patient"]),
        lines=_Lines.validate_python(row["lines"]),
        total_charge=row["total_charge"],
        service_date_from=row["service_date_from"],
        service_date_to=row["service_date_to"],
        submitted_at=row["submitted_at"],
    )


def _payer(row: Mapping[str, Any]) -> PayerRef:
    return PayerRef(payer_id=row["payer_id"], name=row["payer_name"])


def _payment(row: Mapping[str, Any]) -> PaymentInfo:
    return PaymentInfo(
        trace_number=row["trace_number"], method=row["payment_method"], amount=row["payment_amount"],
        payment_date=row["payment_date"],
    )


#: ClaimPayment fields kept in the ``details`` document (the rest have columns of their own).
_DETAIL_FIELDS = frozenset(ClaimPayment.model_fields) - {
    "patient_control_number", "status_code", "total_charge", "total_paid", "patient_responsibility_amount",
    "payer_claim_control_number", "adjudicated_on", "adjustments", "remark_codes", "lines",
}


def _remit_claim_row_match(claim: RemitClaim) -> dict[str, Any]:
    """The columns staging decides from the match: what a late match rewrites."""
    match = claim.match
    return {
        "status": claim.status.value,
        "balanced": claim.balanced,
        "balance_problems": [{"pointer": p.pointer, "message": p.message} for p in claim.balance_problems],
        "expected_claim_id": match.expected_claim_id if match else None,
        "claim_id": match.claim_id if match else None,
        "encounter_id": match.encounter_id if match else None,
        "reverses_remit_claim_id": claim.reverses_remit_claim_id,
        "notes": [asdict(note) for note in claim.notes],
        "line_matches": [asdict(m) for m in claim.line_matches],
        "has_unmatched_lines": bool(claim.unmatched_lines) and claim.status == RemitClaimStatus.POSTED,
    }


def _remit_claim_row(remittance: Remittance, claim: RemitClaim) -> dict[str, Any]:
    payment = claim.payment
    return {
        "id": claim.id,
        "tenant_id": remittance.tenant_id,
        "remittance_id": remittance.id,
        "sequence": claim.sequence,
        "patient_control_number": payment.patient_control_number,
        "status_code": payment.status_code,
        "payer_claim_control_number": payment.payer_claim_control_number,
        "adjudicated_on": payment.adjudicated_on,
        "total_charge": payment.total_charge,
        "total_paid": payment.total_paid,
        "reported_patient_responsibility": payment.patient_responsibility_amount,
        "outcome": claim.outcome,
        "patient_responsibility": claim.patient_responsibility.model_dump(mode="json"),
        "adjustments": _Adjustments.dump_python(payment.adjustments, mode="json"),
        "remark_codes": list(payment.remark_codes),
        "lines": _RemitLines.dump_python(payment.lines, mode="json", exclude_defaults=True),
        "created_at": remittance.received_at,
        "details": payment.model_dump(mode="json", include=_DETAIL_FIELDS, exclude_defaults=True),
        "reversed_by_remit_claim_id": claim.reversed_by_remit_claim_id,
        **_remit_claim_row_match(claim),
    }


def _remit_claim(row: Mapping[str, Any]) -> RemitClaim:
    payment = ClaimPayment.model_validate({
        **(row["details"] or {}),
        "patient_control_number": row["patient_control_number"],
        "status_code": row["status_code"],
        "total_charge": row["total_charge"],
        "total_paid": row["total_paid"],
        "patient_responsibility_amount": row["reported_patient_responsibility"],
        "payer_claim_control_number": row["payer_claim_control_number"],
        "adjudicated_on": row["adjudicated_on"],
        "adjustments": row["adjustments"],
        "remark_codes": row["remark_codes"],
        "lines": row["lines"],
    })
    match = (
        ClaimMatch(row["expected_claim_id"], row["claim_id"], row["encounter_id"])
        if row["expected_claim_id"] is not None
        else None
    )
    return RemitClaim(
        id=row["id"],
        remittance_id=row["remittance_id"],
        sequence=row["sequence"],
        payment=payment,
        status=RemitClaimStatus(row["status"]),
        outcome=row["outcome"],
        patient_responsibility=PatientResponsibility.model_validate(row["patient_responsibility"]),
        balance_problems=tuple(BalanceProblem(**p) for p in row["balance_problems"]),
        match=match,
        reverses_remit_claim_id=row["reverses_remit_claim_id"],
        notes=tuple(Note(**n) for n in row["notes"] or ()),
        line_matches=tuple(LineMatch(**m) for m in row["line_matches"] or ()),
        reversed_by_remit_claim_id=row["reversed_by_remit_claim_id"],
    )


def _remittance_state(remittance: Remittance) -> dict[str, Any]:
    """The columns that change after the header is written: totals, status, problems."""
    return {
        "status": remittance.status.value,
        "claims_paid_total": remittance.totals.claims_paid,
        "provider_adjustment_total": remittance.totals.provider_adjustments,
        "balance_problem": remittance.balance_problem,
        "problems": remittance.problems,
        "posted_at": remittance.posted_at,
        "posted_by": remittance.posted_by,
        "unclean_claims": remittance.unclean_claims,
    }


def _remittance(row: Mapping[str, Any]) -> Remittance:
    header = RemittanceHeader(
        payer=_payer(row), payment=_payment(row), credit_debit=row["credit_debit"], handling_code=row["handling_code"],
        originating_company_id=row["originating_company_id"],
        payee=PayeeRef.model_validate(row["payee"]) if row["payee"] else None,
        production_date=row["production_date"], transaction_control_number=row["transaction_control_number"],
    )
    remittance = Remittance(
        id=row["id"], tenant_id=row["tenant_id"], header=header, source=row["source"],
        received_by=row["received_by"], received_at=row["received_at"], status=RemittanceStatus(row["status"]),
        era_file_id=row["era_file_id"], transaction_index=row["transaction_index"], problems=row["problems"] or [],
        balance_problem=row["balance_problem"], posted_at=row["posted_at"], posted_by=row["posted_by"],
        unclean_claims=row["unclean_claims"],
    )
    remittance.totals.claims_paid = row["claims_paid_total"] if row["claims_paid_total"] is not None else Decimal(0)
    remittance.totals.provider_adjustments = row["provider_adjustment_total"] or Decimal("0.00")
    if row["reconciled_at"] is not None:
        remittance.deposit = Deposit(reference=row["deposit_reference"], deposit_date=row["deposit_date"],
                                     amount=row["deposit_amount"], matched_by=row["reconciled_by"],
                                     matched_at=row["reconciled_at"])
    return remittance


def _provider_adjustment(row: Mapping[str, Any]) -> ProviderAdjustment:
    return ProviderAdjustment(provider_id=row["provider_id"], fiscal_period_end=row["fiscal_period_end"],
                              reason_code=row["reason_code"], reference=row["reference"], amount=row["amount"])


def _denial_row(
    remittance: Remittance, remit_claim_id: uuid.UUID, claim_id: uuid.UUID, denial: Denial
) -> dict[str, Any]:
    finding = denial.finding
    return {
        "id": denial.id,
        "tenant_id": remittance.tenant_id,
        "remittance_id": remittance.id,
        "remit_claim_id": remit_claim_id,
        "claim_id": claim_id,
        "level": finding.level,
        "line_control_number": finding.line_control_number,
        "procedure_code": finding.procedure_code,
        "category": finding.category.value,
        "owning_department": finding.owning_department.value,
        "recommended_action": finding.recommended_action.value,
        "denied_amount": finding.denied_amount,
        "adjustments": _Adjustments.dump_python(finding.adjustments, mode="json"),
        "remark_codes": list(finding.remark_codes),
        "explanation": finding.explanation,
        "created_at": remittance.posted_at or remittance.received_at,
    }


def _denial(row: Mapping[str, Any]) -> Denial:
    return Denial(
        id=row["id"],
        finding=DenialFinding(
            level=row["level"],
            line_control_number=row["line_control_number"],
            procedure_code=row["procedure_code"],
            adjustments=_Adjustments.validate_python(row["adjustments"]),
            remark_codes=tuple(row["remark_codes"]),
            denied_amount=row["denied_amount"],
            category=DenialCategory(row["category"]),
            owning_department=Department(row["owning_department"]),
            recommended_action=RecommendedAction(row["recommended_action"]),
            explanation=row["explanation"],
        ),
    )
