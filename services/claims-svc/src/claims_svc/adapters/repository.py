"""Repositories of claims-svc: claims with their status history, and the billing denial queue.

Every method takes the tenant and filters on it, so an id from another tenant is simply not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from claims_svc.adapters.orm import claim_denials, claim_status_history, claims
from claims_svc.domain.claim import Claim, ClaimLine, ClaimStatus, StatusChange
from claims_svc.domain.denial import BillingDenial, DenialStatus
from claims_svc.domain.scrubber import ScrubFinding
from openrcm_shared.contracts import Patient, PayerRef


class ClaimRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Per claim, how many of its history entries are already rows: save() appends only the rest.
        self._stored_history: dict[uuid.UUID, int] = {}

    async def get(self, tenant_id: str, claim_id: uuid.UUID, *, for_update: bool = False) -> Claim | None:
        query = select(claims).where(claims.c.tenant_id == tenant_id, claims.c.id == claim_id)
        return await self._one(query.with_for_update() if for_update else query)

    async def latest_for_encounter(
        self, tenant_id: str, encounter_id: uuid.UUID, coverage_sequence: str, *, for_update: bool = False
    ) -> Claim | None:
        query = (
            select(claims)
            .where(claims.c.tenant_id == tenant_id, claims.c.encounter_id == encounter_id,
                   claims.c.coverage_sequence == coverage_sequence)
            .order_by(claims.c.encounter_revision.desc())
            .limit(1)
        )
        return await self._one(query.with_for_update() if for_update else query)

    async def list(
        self, tenant_id: str, *, status: ClaimStatus | None, encounter_id: uuid.UUID | None, patient_id: str | None,
        limit: int, offset: int,
    ) -> list[Claim]:
        query = select(claims).where(claims.c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(claims.c.status == status.value)
        if encounter_id is not None:
            query = query.where(claims.c.encounter_id == encounter_id)
        if patient_id is not None:
            query = query.where(claims.c.patient_id == patient_id)
        query = query.order_by(claims.c.created_at.desc(), claims.c.id).limit(limit).offset(offset)
        return await self._with_history(list((await self._session.execute(query)).mappings()))

    async def add(self, claim: Claim, now: datetime) -> None:
        await self._session.execute(insert(claims).values(**_claim_row(claim), created_at=now, updated_at=now))
        await self._store_new_history(claim)

    async def save(self, claim: Claim, now: datetime) -> None:
        await self._session.execute(
            update(claims)
            .where(claims.c.tenant_id == claim.tenant_id, claims.c.id == claim.id)
            .values(**_claim_row(claim), updated_at=now)
        )
        await self._store_new_history(claim)

    async def _store_new_history(self, claim: Claim) -> None:
        new = claim.history[self._stored_history.get(claim.id, 0):]
        if new:
            await self._session.execute(insert(claim_status_history), [
                {"tenant_id": claim.tenant_id, "claim_id": claim.id,
                 "from_status": change.from_status.value if change.from_status else None,
                 "to_status": change.to_status.value, "at": change.at, "actor": change.actor, "reason": change.reason}
                for change in new
            ])
        self._stored_history[claim.id] = len(claim.history)

    async def _one(self, query: Select[Any]) -> Claim | None:
        row = (await self._session.execute(query)).mappings().first()
        return (await self._with_history([row]))[0] if row else None

    async def _with_history(self, rows: Sequence[RowMapping]) -> list[Claim]:
        """Claims with their history, in one query for all of them (no lazy loads under asyncio)."""
        if not rows:
            return []
        history: dict[uuid.UUID, list[StatusChange]] = {row["id"]: [] for row in rows}
        query = (
            select(claim_status_history)
            .where(claim_status_history.c.tenant_id == rows[0]["tenant_id"],
                   claim_status_history.c.claim_id.in_(list(history)))
            .order_by(claim_status_history.c.id)
        )
        for change in (await self._session.execute(query)).mappings():
            history[change["claim_id"]].append(StatusChange(
                ClaimStatus(change["from_status"]) if change["from_status"] else None, ClaimStatus(change["to_status"]),
                change["at"], change["actor"], change["reason"],
            ))
        found = [_claim(row, history[row["id"]]) for row in rows]
        self._stored_history.update({claim.id: len(claim.history) for claim in found})
        return found


class DenialQueue:
    """The billing department's denial work queue."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def contains(self, tenant_id: str, denial_id: uuid.UUID) -> bool:
        found = await self._session.scalar(
            select(claim_denials.c.id).where(claim_denials.c.tenant_id == tenant_id,
                                             claim_denials.c.denial_id == denial_id)
        )
        return found is not None

    async def add(self, item: BillingDenial) -> None:
        row = asdict(item)
        row.update(reason_codes=list(item.reason_codes), remark_codes=list(item.remark_codes), status=item.status.value)
        await self._session.execute(insert(claim_denials).values(**row))

    async def list(self, tenant_id: str, *, status: DenialStatus | None, limit: int, offset: int) -> list[BillingDenial]:
        """Oldest first: the queue is worked in the order denials arrived."""
        query = select(claim_denials).where(claim_denials.c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(claim_denials.c.status == status.value)
        query = query.order_by(claim_denials.c.received_at, claim_denials.c.id).limit(limit).offset(offset)
        return [_denial(row) for row in (await self._session.execute(query)).mappings()]

    async def for_claim(self, tenant_id: str, claim_id: uuid.UUID) -> list[BillingDenial]:
        query = (
            select(claim_denials)
            .where(claim_denials.c.tenant_id == tenant_id, claim_denials.c.claim_id == claim_id)
            .order_by(claim_denials.c.received_at, claim_denials.c.id)
        )
        return [_denial(row) for row in (await self._session.execute(query)).mappings()]


def _claim_row(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id, "tenant_id": claim.tenant_id, "encounter_id": claim.encounter_id,
        "encounter_revision": claim.encounter_revision, "coverage_sequence": claim.coverage_sequence,
        "patient_control_number": claim.patient_control_number, "frequency_code": claim.frequency_code,
        "original_payer_claim_number": claim.original_payer_claim_number, "payer_id": claim.payer.payer_id,
        "payer_name": claim.payer.name, "member_id": claim.member_id, "patient_id": claim.patient.patient_id,
        "patient": claim.patient.model_dump(mode="json"), "billing_provider_npi": claim.billing_provider_npi,
        "rendering_provider_npi": claim.rendering_provider_npi, "service_date_from": claim.service_date_from,
        "service_date_to": claim.service_date_to, "lines": [_line_json(line) for line in claim.lines],
        "total_charge": claim.total_charge, "status": claim.status.value,
        "scrub_findings": [asdict(finding) for finding in claim.findings],
        "payer_claim_control_number": claim.payer_claim_control_number, "total_paid": claim.total_paid,
        "patient_responsibility": claim.patient_responsibility,
    }


def _claim(row: RowMapping, history: list[StatusChange]) -> Claim:
    return Claim(
        id=row["id"], tenant_id=row["tenant_id"], encounter_id=row["encounter_id"],
        encounter_revision=row["encounter_revision"], coverage_sequence=row["coverage_sequence"],
        patient_control_number=row["patient_control_number"], frequency_code=row["frequency_code"],
        original_payer_claim_number=row["original_payer_claim_number"],
        payer=PayerRef(payer_id=row["payer_id"], name=row["payer_name"]), member_id=row["member_id"],
        patient=Patient.model_validate(row["patient"]), billing_provider_npi=row["billing_provider_npi"],
        rendering_provider_npi=row["rendering_provider_npi"], service_date_from=row["service_date_from"],
        service_date_to=row["service_date_to"], lines=[_line(doc) for doc in row["lines"]],
        status=ClaimStatus(row["status"]), findings=[ScrubFinding(**doc) for doc in row["scrub_findings"]],
        payer_claim_control_number=row["payer_claim_control_number"], total_paid=row["total_paid"],
        patient_responsibility=row["patient_responsibility"], history=history,
    )


def _line_json(line: ClaimLine) -> dict[str, Any]:
    """Decimals as strings, so JSON keeps them exact."""
    return {
        "line_number": line.line_number, "line_control_number": line.line_control_number,
        "procedure_code": line.procedure_code, "modifiers": list(line.modifiers), "units": str(line.units),
        "charge": None if line.charge is None else str(line.charge), "service_date": line.service_date.isoformat(),
    }


def _line(doc: dict[str, Any]) -> ClaimLine:
    return ClaimLine(
        line_number=doc["line_number"], line_control_number=doc["line_control_number"],
        procedure_code=doc["procedure_code"], modifiers=tuple(doc["modifiers"]), units=Decimal(doc["units"]),
        charge=None if doc["charge"] is None else Decimal(doc["charge"]),
        service_date=date.fromisoformat(doc["service_date"]),
    )


def _denial(row: RowMapping) -> BillingDenial:
    return BillingDenial(
        id=row["id"], tenant_id=row["tenant_id"], denial_id=row["denial_id"], claim_id=row["claim_id"],
        level=row["level"], line_control_number=row["line_control_number"], procedure_code=row["procedure_code"],
        category=row["category"], reason_codes=tuple(row["reason_codes"]), remark_codes=tuple(row["remark_codes"]),
        recommended_action=row["recommended_action"], explanation=row["explanation"],
        denied_amount=row["denied_amount"], status=DenialStatus(row["status"]), received_at=row["received_at"],
    )
