"""Claim repository: loads and saves the aggregate with its history, always inside one tenant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from claims_svc.adapters.orm import claim_denials, claim_status_history, claims
from claims_svc.domain.claim import Claim, ClaimStatus, ScrubFinding, StatusChange
from openrcm_shared.contracts import DenialRaised, PayerRef, SubmittedServiceLine


class ClaimRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, claim_id: uuid.UUID, *, for_update: bool = False) -> Claim | None:
        query = select(claims).where(claims.c.tenant_id == tenant_id, claims.c.id == claim_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return await self._load(row) if row else None

    async def latest_for_encounter(self, tenant_id: str, encounter_id: uuid.UUID, coverage_sequence: str) -> Claim | None:
        row = (
            await self._session.execute(
                select(claims)
                .where(claims.c.tenant_id == tenant_id, claims.c.encounter_id == encounter_id,
                       claims.c.coverage_sequence == coverage_sequence)
                .order_by(claims.c.encounter_revision.desc())
                .limit(1)
            )
        ).mappings().first()
        return await self._load(row) if row else None

    async def list(self, tenant_id: str, *, status: ClaimStatus | None, encounter_id: uuid.UUID | None,
                   patient_id: str | None, limit: int, offset: int) -> list[dict]:
        query = select(claims).where(claims.c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(claims.c.status == status.value)
        if encounter_id is not None:
            query = query.where(claims.c.encounter_id == encounter_id)
        if patient_id is not None:
            query = query.where(claims.c.patient_id == patient_id)
        query = query.order_by(claims.c.created_at.desc(), claims.c.id).limit(limit).offset(offset)
        return [dict(row) for row in (await self._session.execute(query)).mappings()]

    async def add(self, claim: Claim, now: datetime) -> None:
        await self._session.execute(insert(claims).values(**_to_row(claim), created_at=now, updated_at=now))
        await self._append_history(claim, claim.history)

    async def save(self, claim: Claim, now: datetime, *, known_history: int) -> None:
        await self._session.execute(
            update(claims).where(claims.c.tenant_id == claim.tenant_id, claims.c.id == claim.id)
            .values(**_to_row(claim), updated_at=now)
        )
        await self._append_history(claim, claim.history[known_history:])

    async def _append_history(self, claim: Claim, changes: list[StatusChange]) -> None:
        if changes:
            await self._session.execute(insert(claim_status_history), [
                {"tenant_id": claim.tenant_id, "claim_id": claim.id, "from_status": c.from_status.value if c.from_status else None,
                 "to_status": c.to_status.value, "at": c.at, "actor": c.actor, "reason": c.reason}
                for c in changes
            ])

    async def _load(self, row) -> Claim:  # type: ignore[no-untyped-def]
        history_rows = (
            await self._session.execute(
                select(claim_status_history).where(claim_status_history.c.claim_id == row["id"])
                .order_by(claim_status_history.c.id)
            )
        ).mappings()
        return Claim(
            id=row["id"], tenant_id=row["tenant_id"], encounter_id=row["encounter_id"],
            encounter_revision=row["encounter_revision"], coverage_sequence=row["coverage_sequence"],
            patient_control_number=row["patient_control_number"], frequency_code=row["frequency_code"],
            original_payer_claim_number=row["original_payer_claim_number"],
            payer=PayerRef(payer_id=row["payer_id"], name=row["payer_name"]), member_id=row["member_id"],
            patient=row["patient"], billing_provider_npi=row["billing_provider_npi"],
            rendering_provider_npi=row["rendering_provider_npi"], service_date_from=row["service_date_from"],
            service_date_to=row["service_date_to"],
            lines=[SubmittedServiceLine.model_validate(line) for line in row["lines"]],
            status=ClaimStatus(row["status"]), findings=[ScrubFinding(**f) for f in row["scrub_findings"]],
            payer_claim_control_number=row["payer_claim_control_number"], total_paid=row["total_paid"],
            patient_responsibility=row["patient_responsibility"],
            history=[
                StatusChange(ClaimStatus(h["from_status"]) if h["from_status"] else None, ClaimStatus(h["to_status"]),
                             h["at"], h["actor"], h["reason"])
                for h in history_rows
            ],
        )


class DenialQueue:
    """The billing department's denial work queue."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, tenant_id: str, denial: DenialRaised, now: datetime) -> bool:
        """False when this denial is already queued."""
        exists = await self._session.scalar(
            select(claim_denials.c.id).where(claim_denials.c.tenant_id == tenant_id, claim_denials.c.id == denial.denial_id)
        )
        if exists is not None:
            return False
        await self._session.execute(insert(claim_denials).values(
            id=denial.denial_id, tenant_id=tenant_id, claim_id=denial.claim_id, level=denial.level,
            line_control_number=denial.line_control_number, procedure_code=denial.procedure_code,
            category=denial.category.value,
            reason_codes=[f"{a.group.value}-{a.reason_code}" for a in denial.adjustments],
            remark_codes=list(denial.remark_codes), recommended_action=denial.recommended_action.value,
            explanation=denial.explanation, denied_amount=denial.denied_amount, status="open", received_at=now,
        ))
        return True

    async def list(self, tenant_id: str, *, status: str | None, claim_id: uuid.UUID | None, limit: int,
                   offset: int) -> list[dict]:
        query = select(claim_denials).where(claim_denials.c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(claim_denials.c.status == status)
        if claim_id is not None:
            query = query.where(claim_denials.c.claim_id == claim_id)
        query = query.order_by(claim_denials.c.received_at, claim_denials.c.id).limit(limit).offset(offset)
        return [dict(row) for row in (await self._session.execute(query)).mappings()]


def _to_row(claim: Claim) -> dict:
    return {
        "id": claim.id, "tenant_id": claim.tenant_id, "encounter_id": claim.encounter_id,
        "encounter_revision": claim.encounter_revision, "coverage_sequence": claim.coverage_sequence,
        "patient_control_number": claim.patient_control_number, "frequency_code": claim.frequency_code,
        "original_payer_claim_number": claim.original_payer_claim_number, "payer_id": claim.payer.payer_id,
        "payer_name": claim.payer.name, "member_id": claim.member_id, "patient_id": claim.patient["patient_id"],
        "patient": claim.patient, "billing_provider_npi": claim.billing_provider_npi,
        "rendering_provider_npi": claim.rendering_provider_npi, "service_date_from": claim.service_date_from,
        "service_date_to": claim.service_date_to, "lines": [line.model_dump(mode="json") for line in claim.lines],
        "total_charge": claim.total_charge, "status": claim.status.value,
        "scrub_findings": [f.__dict__ for f in claim.findings],
        "payer_claim_control_number": claim.payer_claim_control_number, "total_paid": claim.total_paid,
        "patient_responsibility": claim.patient_responsibility,
    }
