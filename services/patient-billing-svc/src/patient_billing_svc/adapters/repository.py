"""Repositories of guarantor accounts, visits and ledger entries, always inside one tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openrcm_shared.contracts import Address, PartyName
from patient_billing_svc.adapters.orm import guarantor_accounts, ledger_entries, visits
from patient_billing_svc.domain.account import Guarantor, GuarantorAccount
from patient_billing_svc.domain.ledger import EntryType, Ledger, LedgerEntry, PatientShare, RemitRef
from patient_billing_svc.domain.visit import Visit, VisitStatus


class AccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, account_id: uuid.UUID) -> GuarantorAccount | None:
        return await self._one(guarantor_accounts.c.id == account_id, tenant_id=tenant_id)

    async def find_by_patient(
        self, tenant_id: str, patient_id: str, *, for_update: bool = False
    ) -> GuarantorAccount | None:
        return await self._one(
            guarantor_accounts.c.patient_id == patient_id, tenant_id=tenant_id, for_update=for_update
        )

    async def list(self, tenant_id: str, *, patient_id: str | None, limit: int, offset: int) -> list[GuarantorAccount]:
        query = select(guarantor_accounts).where(guarantor_accounts.c.tenant_id == tenant_id)
        if patient_id is not None:
            query = query.where(guarantor_accounts.c.patient_id == patient_id)
        query = query.order_by(guarantor_accounts.c.opened_at.desc(), guarantor_accounts.c.id)
        query = query.limit(limit).offset(offset)
        return [_account(row) for row in (await self._session.execute(query)).mappings()]

    async def add(self, account: GuarantorAccount, now: datetime) -> None:
        await self._session.execute(
            insert(guarantor_accounts).values(**_account_row(account), opened_at=now, updated_at=now)
        )

    async def save(self, account: GuarantorAccount, now: datetime) -> None:
        await self._session.execute(
            update(guarantor_accounts)
            .where(guarantor_accounts.c.tenant_id == account.tenant_id, guarantor_accounts.c.id == account.id)
            .values(**_account_row(account), updated_at=now)
        )

    async def _one(self, condition: Any, *, tenant_id: str, for_update: bool = False) -> GuarantorAccount | None:
        query = select(guarantor_accounts).where(guarantor_accounts.c.tenant_id == tenant_id, condition)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return _account(row) if row else None


class VisitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find_by_encounter(
        self, tenant_id: str, encounter_id: uuid.UUID, *, for_update: bool = False
    ) -> Visit | None:
        query = select(visits).where(visits.c.tenant_id == tenant_id, visits.c.encounter_id == encounter_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return _visit(row) if row else None

    async def list_for_account(self, tenant_id: str, account_id: uuid.UUID) -> list[Visit]:
        query = (
            select(visits)
            .where(visits.c.tenant_id == tenant_id, visits.c.account_id == account_id)
            .order_by(visits.c.service_date_from.desc(), visits.c.created_at.desc(), visits.c.id)
        )
        return [_visit(row) for row in (await self._session.execute(query)).mappings()]

    async def add(self, visit: Visit, now: datetime) -> None:
        await self._session.execute(insert(visits).values(**_visit_row(visit), created_at=now, updated_at=now))

    async def save(self, visit: Visit, now: datetime) -> None:
        await self._session.execute(
            update(visits)
            .where(visits.c.tenant_id == visit.tenant_id, visits.c.id == visit.id)
            .values(**_visit_row(visit), updated_at=now)
        )


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self, tenant_id: str, account_id: uuid.UUID) -> Ledger:
        query = (
            select(ledger_entries)
            .where(ledger_entries.c.tenant_id == tenant_id, ledger_entries.c.account_id == account_id)
            .order_by(ledger_entries.c.posted_at, ledger_entries.c.id)
        )
        return Ledger(account_id, [_entry(row) for row in (await self._session.execute(query)).mappings()])

    async def add_new_entries(self, tenant_id: str, ledger: Ledger, now: datetime) -> None:
        """Insert what was posted since the ledger was loaded; existing rows are never touched."""
        if ledger.new_entries:
            await self._session.execute(
                insert(ledger_entries), [_entry_row(tenant_id, e, now) for e in ledger.new_entries]
            )
            ledger.new_entries.clear()


def _account_row(account: GuarantorAccount) -> dict[str, Any]:
    guarantor = account.guarantor
    return {
        "id": account.id,
        "tenant_id": account.tenant_id,
        "patient_id": account.patient_id,
        "guarantor": {
            "name": guarantor.name.model_dump(mode="json"),
            "address": guarantor.address.model_dump(mode="json") if guarantor.address else None,
        },
        "guarantor_is_patient": guarantor.is_patient,
        "guarantor_as_of": account.guarantor_as_of,
    }


def _account(row: Any) -> GuarantorAccount:
    doc = row["guarantor"]
    return GuarantorAccount(
        id=row["id"],
        tenant_id=row["tenant_id"],
        patient_id=row["patient_id"],
        guarantor=Guarantor(
            name=PartyName.model_validate(doc["name"]),
            address=Address.model_validate(doc["address"]) if doc.get("address") else None,
            is_patient=row["guarantor_is_patient"],
        ),
        guarantor_as_of=row["guarantor_as_of"],
    )


def _visit_row(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.id,
        "tenant_id": visit.tenant_id,
        "account_id": visit.account_id,
        "encounter_id": visit.encounter_id,
        "revision": visit.revision,
        "service_date_from": visit.service_date_from,
        "service_date_to": visit.service_date_to,
        "coverage_sequences": list(visit.coverage_sequences),
        "total_charge": visit.total_charge,
        "status": visit.status.value,
        "adjudicated_on": visit.adjudicated_on,
    }


def _visit(row: Any) -> Visit:
    return Visit(
        id=row["id"],
        tenant_id=row["tenant_id"],
        account_id=row["account_id"],
        encounter_id=row["encounter_id"],
        revision=row["revision"],
        service_date_from=row["service_date_from"],
        service_date_to=row["service_date_to"],
        coverage_sequences=tuple(row["coverage_sequences"]),
        total_charge=row["total_charge"],
        status=VisitStatus(row["status"]),
        adjudicated_on=row["adjudicated_on"],
    )


def _entry_row(tenant_id: str, entry: LedgerEntry, now: datetime) -> dict[str, Any]:
    share, remit = entry.patient_share, entry.remit
    return {
        "id": entry.id,
        "tenant_id": tenant_id,
        "account_id": entry.account_id,
        "visit_id": entry.visit_id,
        "encounter_id": entry.encounter_id,
        "entry_type": entry.entry_type.value,
        "amount": entry.amount,
        "entry_date": entry.entry_date,
        "posting_key": entry.posting_key,
        "source_event_id": entry.source_event_id,
        "deductible": share.deductible if share else None,
        "coinsurance": share.coinsurance if share else None,
        "copay": share.copay if share else None,
        "other_patient_responsibility": share.other if share else None,
        "payer_id": remit.payer_id if remit else None,
        "claim_id": remit.claim_id if remit else None,
        "remit_claim_id": remit.remit_claim_id if remit else None,
        "reverses_entry_id": entry.reverses_entry_id,
        "posted_at": now,
    }


def _entry(row: Any) -> LedgerEntry:
    share = (
        PatientShare(
            deductible=row["deductible"], coinsurance=row["coinsurance"], copay=row["copay"],
            other=row["other_patient_responsibility"],
        )
        if row["deductible"] is not None
        else None
    )
    remit = (
        RemitRef(payer_id=row["payer_id"], claim_id=row["claim_id"], remit_claim_id=row["remit_claim_id"])
        if row["remit_claim_id"] is not None
        else None
    )
    return LedgerEntry(
        id=row["id"],
        account_id=row["account_id"],
        entry_type=EntryType(row["entry_type"]),
        amount=row["amount"],
        entry_date=row["entry_date"],
        posting_key=row["posting_key"],
        source_event_id=row["source_event_id"],
        visit_id=row["visit_id"],
        encounter_id=row["encounter_id"],
        patient_share=share,
        remit=remit,
        reverses_entry_id=row["reverses_entry_id"],
    )
