"""The tenant's reference data in the database: one generic store, four kinds (payers, fee schedule,
billing profiles, routes). Every query filters on the tenant, so another tenant's rows are never found.

Billing reads the same few reference rows for every claim: ``reference_item`` and ``fee_schedule_for``
read each row once per session (one transaction; the consumer handles a poll's events in one) and
remember it in the session; any reference-data write through the store forgets what was remembered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import RowMapping, Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from claims_svc.adapters.orm import billing_profiles, fee_schedule_entries, payers, submission_routes
from claims_svc.domain.reference import (
    BillingProfile, FeeSchedule, FeeScheduleEntry, Payer, SubmissionRoute,
)
from claims_svc.domain.x12.model_837p import Address, Receiver, Submitter
from openrcm_shared.x12 import InterchangeHeader

T = TypeVar("T")


@dataclass(frozen=True)
class ReferenceKind(Generic[T]):
    """How one kind of reference data maps to its table."""

    name: str  # for messages and audit entries
    table: Table
    key_column: str
    key_of: Callable[[T], Any]
    to_row: Callable[[T], dict[str, Any]]
    from_row: Callable[[RowMapping], T]
    order_by: tuple[str, ...]


def _address(doc: dict[str, Any] | None) -> Address | None:
    return None if doc is None else Address(**doc)


def _doc(address: Address | None) -> dict[str, Any] | None:
    return None if address is None else asdict(address)


PAYERS: ReferenceKind[Payer] = ReferenceKind(
    name="payer", table=payers, key_column="payer_id", key_of=lambda p: p.payer_id,
    to_row=lambda p: {
        "payer_id": p.payer_id, "name": p.name, "claim_filing_indicator": p.claim_filing_indicator,
        "timely_filing_days": p.timely_filing_days, "prior_auth_procedures": sorted(p.prior_auth_procedures),
        "route_id": p.route_id, "address": _doc(p.address), "appeal_days": p.appeal_days,
        "follow_up_days": p.follow_up_days,
    },
    from_row=lambda r: Payer(
        payer_id=r["payer_id"], name=r["name"], claim_filing_indicator=r["claim_filing_indicator"],
        timely_filing_days=r["timely_filing_days"], prior_auth_procedures=frozenset(r["prior_auth_procedures"]),
        route_id=r["route_id"], address=_address(r["address"]), appeal_days=r["appeal_days"],
        follow_up_days=r["follow_up_days"],
    ),
    order_by=("payer_id",),
)

FEE_SCHEDULE: ReferenceKind[FeeScheduleEntry] = ReferenceKind(
    name="fee schedule entry", table=fee_schedule_entries, key_column="id", key_of=lambda e: e.id,
    to_row=lambda e: {
        "id": e.id, "procedure_code": e.procedure_code, "modifier": e.modifier, "charge": e.charge,
        "effective_from": e.effective_from, "effective_to": e.effective_to,
    },
    from_row=lambda r: FeeScheduleEntry(
        id=r["id"], procedure_code=r["procedure_code"], modifier=r["modifier"], charge=r["charge"],
        effective_from=r["effective_from"], effective_to=r["effective_to"],
    ),
    order_by=("procedure_code", "modifier", "effective_from"),
)

BILLING_PROFILES: ReferenceKind[BillingProfile] = ReferenceKind(
    name="billing profile", table=billing_profiles, key_column="npi", key_of=lambda b: b.npi,
    to_row=lambda b: {
        "npi": b.npi, "organization_name": b.organization_name, "tax_id": b.tax_id, "taxonomy": b.taxonomy,
        "address": _doc(b.address), "pay_to_address": _doc(b.pay_to_address),
    },
    from_row=lambda r: BillingProfile(
        npi=r["npi"], organization_name=r["organization_name"], tax_id=r["tax_id"], taxonomy=r["taxonomy"],
        address=Address(**r["address"]), pay_to_address=_address(r["pay_to_address"]),
    ),
    order_by=("npi",),
)

ROUTES: ReferenceKind[SubmissionRoute] = ReferenceKind(
    name="route", table=submission_routes, key_column="route_id", key_of=lambda r: r.route_id,
    to_row=lambda r: {
        "route_id": r.route_id, "clearinghouse": r.clearinghouse,
        "envelope": {
            "submitter": asdict(r.submitter), "receiver": asdict(r.receiver), "interchange": asdict(r.interchange),
            "application_sender_code": r.application_sender_code,
            "application_receiver_code": r.application_receiver_code,
        },
    },
    from_row=lambda r: SubmissionRoute(
        route_id=r["route_id"], clearinghouse=r["clearinghouse"],
        submitter=Submitter(**r["envelope"]["submitter"]), receiver=Receiver(**r["envelope"]["receiver"]),
        interchange=InterchangeHeader(**r["envelope"]["interchange"]),
        application_sender_code=r["envelope"]["application_sender_code"],
        application_receiver_code=r["envelope"]["application_receiver_code"],
    ),
    order_by=("route_id",),
)


class ReferenceStore(Generic[T]):
    def __init__(self, session: AsyncSession, kind: ReferenceKind[T]) -> None:
        self._session = session
        self.kind = kind
        self._t = kind.table.c

    def _key(self, value: Any) -> Any:
        return self._t[self.kind.key_column] == value

    def _forget_remembered(self) -> None:
        self._session.info.pop(_REMEMBERED, None)

    async def get(self, tenant_id: str, key: Any, *, for_update: bool = False) -> T | None:
        query = select(self.kind.table).where(self._t.tenant_id == tenant_id, self._key(key))
        row = (await self._session.execute(query.with_for_update() if for_update else query)).mappings().first()
        return None if row is None else self.kind.from_row(row)

    async def find(self, tenant_id: str, *, limit: int | None = None, offset: int = 0, **equal: Any) -> list[T]:
        """Rows whose columns equal the given values (a list or tuple value: any of them), in key order."""
        query = select(self.kind.table).where(self._t.tenant_id == tenant_id)
        for column, value in equal.items():
            if value is not None:
                query = query.where(self._t[column].in_(list(value)) if isinstance(value, (list, tuple, set, frozenset))
                                    else self._t[column] == value)
        query = query.order_by(*(self._t[c] for c in self.kind.order_by)).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [self.kind.from_row(row) for row in (await self._session.execute(query)).mappings()]

    async def add(self, tenant_id: str, item: T, now: datetime) -> None:
        self._forget_remembered()
        await self._session.execute(insert(self.kind.table).values(
            tenant_id=tenant_id, **self.kind.to_row(item), created_at=now, updated_at=now))

    async def replace(self, tenant_id: str, item: T, now: datetime) -> bool:
        self._forget_remembered()
        result = await self._session.execute(
            update(self.kind.table).where(self._t.tenant_id == tenant_id, self._key(self.kind.key_of(item)))
            .values(**self.kind.to_row(item), updated_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def remove(self, tenant_id: str, key: Any) -> bool:
        self._forget_remembered()
        result = await self._session.execute(
            delete(self.kind.table).where(self._t.tenant_id == tenant_id, self._key(key)))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def upsert(self, tenant_id: str, items: Iterable[T], now: datetime) -> tuple[int, int]:
        """Insert new items and replace existing ones (by key); (created, replaced)."""
        self._forget_remembered()
        items = list(items)
        keys = [self.kind.key_of(item) for item in items]
        existing = set(await self._session.scalars(
            select(self._t[self.kind.key_column]).where(self._t.tenant_id == tenant_id,
                                                         self._t[self.kind.key_column].in_(keys))))
        created = [item for item, key in zip(items, keys) if key not in existing]
        for item, key in zip(items, keys):
            if key in existing:
                await self.replace(tenant_id, item, now)
        if created:
            await self._session.execute(insert(self.kind.table), [
                {"tenant_id": tenant_id, **self.kind.to_row(item), "created_at": now, "updated_at": now}
                for item in created
            ])
        return len(created), len(items) - len(created)


#: Key in ``session.info`` of the reference rows the session has read: (kind, tenant, key) -> item or None,
#: and ("fees", tenant, procedure code) -> that code's fee schedule entries.
_REMEMBERED = "claims_svc.reference_read"


def _remembered(session: AsyncSession) -> dict[tuple[str, str, Any], Any]:
    remembered: dict[tuple[str, str, Any], Any] | None = session.info.get(_REMEMBERED)
    if remembered is None:
        remembered = session.info[_REMEMBERED] = {}
    return remembered


async def reference_item(session: AsyncSession, kind: ReferenceKind[T], tenant_id: str, key: Any) -> T | None:
    """The tenant's item of ``kind`` with ``key`` (None: none), read once per session."""
    remembered = _remembered(session)
    entry = (kind.name, tenant_id, key)
    if entry not in remembered:
        remembered[entry] = await ReferenceStore(session, kind).get(tenant_id, key)
    item: T | None = remembered[entry]
    return item


async def fee_schedule_for(session: AsyncSession, tenant_id: str, procedure_codes: Sequence[str]) -> FeeSchedule:
    """The tenant's fee schedule entries for these codes; each code's read once per session."""
    remembered = _remembered(session)
    missing = sorted({code for code in procedure_codes if ("fees", tenant_id, code) not in remembered})
    if missing:
        found: dict[str, list[FeeScheduleEntry]] = {code: [] for code in missing}
        for entry in await ReferenceStore(session, FEE_SCHEDULE).find(tenant_id, procedure_code=missing):
            found[entry.procedure_code].append(entry)
        remembered.update({("fees", tenant_id, code): entries for code, entries in found.items()})
    return FeeSchedule([entry for code in dict.fromkeys(procedure_codes)
                        for entry in remembered[("fees", tenant_id, code)]])


async def fee_entries_by_identity(session: AsyncSession, tenant_id: str,
                                  codes: Sequence[str]) -> dict[tuple[str, str, object], uuid.UUID]:
    """(code, modifier, effective_from) -> id of the tenant's entries for these codes (what a CSV row replaces)."""
    entries = await ReferenceStore(session, FEE_SCHEDULE).find(tenant_id, procedure_code=list(codes))
    return {(e.procedure_code, e.modifier, e.effective_from): e.id for e in entries}
