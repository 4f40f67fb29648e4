"""Batches, their claims, the tenant's X12 control numbers and the acknowledgement files received."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from claims_svc.adapters.orm import acknowledgments, claim_batch_items, claim_batches, control_numbers
from openrcm_shared.x12 import MAX_CONTROL_NUMBER, ControlNumbersExhausted

BUILT = "built"
SENT = "sent"


class DatabaseControlNumbers:
    """The ControlNumbers protocol on the ``control_numbers`` table, per tenant.

    ``UPDATE ... SET next_value = next_value + 1 RETURNING`` locks the row until the transaction
    ends, so concurrent batches of a tenant take distinct numbers; a rolled-back batch hands its
    numbers back, which is safe because a file is only sent after its batch committed.
    """

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def _take(self, kind: str) -> int:
        t = control_numbers.c
        step = (update(control_numbers).where(t.tenant_id == self._tenant_id, t.kind == kind)
                .values(next_value=t.next_value + 1).returning(t.next_value))
        taken = (await self._session.execute(step)).scalar_one_or_none()
        if taken is None:
            dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
            await self._session.execute(dialect.insert(control_numbers).values(
                tenant_id=self._tenant_id, kind=kind, next_value=1).on_conflict_do_nothing())
            taken = (await self._session.execute(step)).scalar_one()
        number = int(taken) - 1
        if number > MAX_CONTROL_NUMBER:
            raise ControlNumbersExhausted(f"{kind} control numbers of this tenant are used up")
        return number

    async def next_interchange(self) -> int:
        return await self._take("interchange")

    async def next_group(self) -> int:
        return await self._take("group")

    async def next_transaction(self) -> int:
        return await self._take("transaction")


@dataclass
class Batch:
    id: uuid.UUID
    tenant_id: str
    route_id: str
    clearinghouse: str
    status: str
    interchange_control_number: int
    group_control_number: int
    transaction_control_numbers: list[int]
    claim_count: int
    total_charge: Decimal
    file_name: str
    created_at: datetime
    attempts: int = 0
    last_error: str | None = None
    submission_reference: str | None = None
    acknowledgment: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class BatchItem:
    claim_id: uuid.UUID
    patient_control_number: str
    transaction_control_number: int


_SUMMARY_COLUMNS = [c for c in claim_batches.c if c.name != "content"]


def _batch(row: RowMapping) -> Batch:
    return Batch(**{c.name: row[c.name] for c in _SUMMARY_COLUMNS})


class BatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, batch: Batch, content: str, items: Sequence[BatchItem]) -> None:
        await self._session.execute(insert(claim_batches).values(
            **{c.name: getattr(batch, c.name) for c in _SUMMARY_COLUMNS}, content=content))
        await self._session.execute(insert(claim_batch_items), [
            {"batch_id": batch.id, "tenant_id": batch.tenant_id, "claim_id": item.claim_id,
             "patient_control_number": item.patient_control_number,
             "transaction_control_number": item.transaction_control_number}
            for item in items
        ])

    async def get(self, tenant_id: str, batch_id: uuid.UUID, *, for_update: bool = False) -> Batch | None:
        query = select(*_SUMMARY_COLUMNS).where(claim_batches.c.tenant_id == tenant_id, claim_batches.c.id == batch_id)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).mappings().first()
        return None if row is None else _batch(row)

    async def content(self, tenant_id: str, batch_id: uuid.UUID) -> str | None:
        return await self._session.scalar(select(claim_batches.c.content).where(
            claim_batches.c.tenant_id == tenant_id, claim_batches.c.id == batch_id))

    async def by_group_control_number(self, tenant_id: str, group_control_number: int) -> Batch | None:
        row = (await self._session.execute(select(*_SUMMARY_COLUMNS).where(
            claim_batches.c.tenant_id == tenant_id,
            claim_batches.c.group_control_number == group_control_number))).mappings().first()
        return None if row is None else _batch(row)

    async def list(self, tenant_id: str, *, status: str | None, limit: int, offset: int) -> list[Batch]:
        query = select(*_SUMMARY_COLUMNS).where(claim_batches.c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(claim_batches.c.status == status)
        query = query.order_by(claim_batches.c.created_at.desc(), claim_batches.c.id).limit(limit).offset(offset)
        return [_batch(row) for row in (await self._session.execute(query)).mappings()]

    async def unsent(self, *, before: datetime, limit: int = 100) -> list[tuple[str, uuid.UUID]]:
        """(tenant, batch id) of every tenant's batches built before ``before`` and not sent yet, oldest first."""
        query = (select(claim_batches.c.tenant_id, claim_batches.c.id)
                 .where(claim_batches.c.status == BUILT, claim_batches.c.created_at < before)
                 .order_by(claim_batches.c.created_at).limit(limit))
        return [(row.tenant_id, row.id) for row in await self._session.execute(query)]

    async def items(self, tenant_id: str, batch_id: uuid.UUID) -> list[BatchItem]:
        query = (select(claim_batch_items).where(claim_batch_items.c.tenant_id == tenant_id,
                                                 claim_batch_items.c.batch_id == batch_id)
                 .order_by(claim_batch_items.c.transaction_control_number, claim_batch_items.c.patient_control_number))
        return [BatchItem(row["claim_id"], row["patient_control_number"], row["transaction_control_number"])
                for row in (await self._session.execute(query)).mappings()]

    async def update(self, batch: Batch) -> None:
        await self._session.execute(update(claim_batches).where(
            claim_batches.c.tenant_id == batch.tenant_id, claim_batches.c.id == batch.id).values(
            status=batch.status, attempts=batch.attempts, last_error=batch.last_error,
            submission_reference=batch.submission_reference, acknowledgment=batch.acknowledgment,
            sent_at=batch.sent_at))


class AcknowledgmentLog:
    """Acknowledgement files already ingested, by content hash: the same file twice changes nothing."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def summary_of(self, tenant_id: str, content_sha256: str) -> dict[str, Any] | None:
        return await self._session.scalar(select(acknowledgments.c.summary).where(
            acknowledgments.c.tenant_id == tenant_id, acknowledgments.c.content_sha256 == content_sha256))

    async def add(self, tenant_id: str, *, kind: str, content_sha256: str, source: str, summary: dict[str, Any],
                  received_at: datetime) -> uuid.UUID:
        ack_id = uuid.uuid4()
        await self._session.execute(insert(acknowledgments).values(
            id=ack_id, tenant_id=tenant_id, kind=kind, content_sha256=content_sha256, source=source, summary=summary,
            received_at=received_at))
        return ack_id
