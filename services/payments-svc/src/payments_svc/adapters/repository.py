"""Repositories of payments-svc: load and save aggregates, always inside one tenant."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openrcm_shared.contracts import (
    Adjustment, Patient, PatientResponsibility, PayerRef, PaymentInfo, SubmittedServiceLine,
)
from openrcm_shared.contracts.events import DenialCategory, Department, RecommendedAction
from payments_svc.adapters.orm import denials, expected_claims, remit_claims, remittances
from payments_svc.domain.balancing import BalanceProblem
from payments_svc.domain.denials import DenialFinding
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.remittance import (
    ClaimMatch, Denial, RemitClaim, RemitClaimStatus, Remittance, RemittanceSummary,
)
from payments_svc.domain.remittance_document import REVERSAL, ClaimPayment, ServiceLinePayment

#: Keeps IN (...) lists well below the drivers' bind-parameter limits.
_IN_CHUNK = 1000

_Lines = TypeAdapter(tuple[SubmittedServiceLine, ...])
_Adjustments = TypeAdapter(tuple[Adjustment, ...])
_RemitLines = TypeAdapter(tuple[ServiceLinePayment, ...])


def _chunks(values: Collection[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start:start + _IN_CHUNK]


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

    async def latest_postings(
        self, tenant_id: str, expected_claim_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        """Expected claim id -> the last posted remit claim that was not itself a reversal."""
        latest: dict[uuid.UUID, uuid.UUID] = {}
        for chunk in _chunks(set(expected_claim_ids)):
            rows = await self._session.execute(
                select(remit_claims.c.expected_claim_id, remit_claims.c.id)
                .where(
                    remit_claims.c.tenant_id == tenant_id,
                    remit_claims.c.expected_claim_id.in_(chunk),
                    remit_claims.c.status == RemitClaimStatus.POSTED.value,
                    remit_claims.c.status_code != REVERSAL,
                )
                .order_by(remit_claims.c.created_at, remit_claims.c.sequence)
            )
            for expected_claim_id, remit_claim_id in rows:
                latest[expected_claim_id] = remit_claim_id  # ordered oldest first: the last one wins
        return latest

    async def add(self, remittance: Remittance) -> None:
        payment = remittance.payment
        await self._session.execute(
            insert(remittances).values(
                id=remittance.id, tenant_id=remittance.tenant_id, payer_id=remittance.payer.payer_id,
                payer_name=remittance.payer.name, trace_number=payment.trace_number, payment_method=payment.method,
                payment_amount=payment.amount, payment_date=payment.payment_date, source=remittance.source,
                received_by=remittance.received_by, received_at=remittance.received_at,
            )
        )
        claim_rows = [_remit_claim_row(remittance, claim) for claim in remittance.claims]
        if claim_rows:
            await self._session.execute(insert(remit_claims), claim_rows)
        denial_rows = [
            _denial_row(remittance, claim.id, claim.match.claim_id, denial)
            for claim in remittance.claims
            if claim.match is not None  # only matched claims are posted, so only they have denials
            for denial in claim.denials
        ]
        if denial_rows:
            await self._session.execute(insert(denials), denial_rows)

    async def get(self, tenant_id: str, remittance_id: uuid.UUID) -> Remittance | None:
        row = (
            await self._session.execute(
                select(remittances).where(remittances.c.tenant_id == tenant_id, remittances.c.id == remittance_id)
            )
        ).mappings().first()
        if row is None:
            return None
        claim_rows = (
            await self._session.execute(
                select(remit_claims)
                .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.remittance_id == remittance_id)
                .order_by(remit_claims.c.sequence)
            )
        ).mappings().all()
        claims = await self._with_denials(tenant_id, [_remit_claim(r) for r in claim_rows])
        return Remittance(
            id=row["id"], tenant_id=row["tenant_id"], payer=_payer(row), payment=_payment(row), source=row["source"],
            received_by=row["received_by"], received_at=row["received_at"], claims=claims,
        )

    async def list_summaries(self, tenant_id: str, *, limit: int, offset: int) -> list[RemittanceSummary]:
        rows = (
            await self._session.execute(
                select(remittances)
                .where(remittances.c.tenant_id == tenant_id)
                .order_by(remittances.c.received_at.desc(), remittances.c.id)
                .limit(limit)
                .offset(offset)
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

        def count(remittance_id: uuid.UUID, status: RemitClaimStatus) -> int:
            return claim_counts.get((remittance_id, status.value), 0)

        return [
            RemittanceSummary(
                id=row["id"], payer=_payer(row), payment=_payment(row), source=row["source"],
                received_by=row["received_by"], received_at=row["received_at"],
                claim_count=sum(count(row["id"], s) for s in RemitClaimStatus),
                posted_count=count(row["id"], RemitClaimStatus.POSTED),
                unmatched_count=count(row["id"], RemitClaimStatus.UNMATCHED),
                out_of_balance_count=count(row["id"], RemitClaimStatus.OUT_OF_BALANCE),
                denial_count=denial_counts.get(row["id"], 0),
            )
            for row in rows
        ]

    async def unmatched_claims(self, tenant_id: str, *, limit: int, offset: int) -> list[RemitClaim]:
        """The unmatched queue, oldest first (work it in the order it arrived)."""
        rows = (
            await self._session.execute(
                select(remit_claims)
                .where(remit_claims.c.tenant_id == tenant_id, remit_claims.c.status == RemitClaimStatus.UNMATCHED.value)
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


def _remit_claim_row(remittance: Remittance, claim: RemitClaim) -> dict[str, Any]:
    payment, match = claim.payment, claim.match
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
        "status": claim.status.value,
        "outcome": claim.outcome,
        "balanced": claim.balanced,
        "balance_problems": [{"pointer": p.pointer, "message": p.message} for p in claim.balance_problems],
        "patient_responsibility": claim.patient_responsibility.model_dump(mode="json"),
        "expected_claim_id": match.expected_claim_id if match else None,
        "claim_id": match.claim_id if match else None,
        "encounter_id": match.encounter_id if match else None,
        "reverses_remit_claim_id": claim.reverses_remit_claim_id,
        "adjustments": _Adjustments.dump_python(payment.adjustments, mode="json"),
        "remark_codes": list(payment.remark_codes),
        "lines": _RemitLines.dump_python(payment.lines, mode="json"),
        "created_at": remittance.received_at,
    }


def _remit_claim(row: Mapping[str, Any]) -> RemitClaim:
    payment = ClaimPayment(
        patient_control_number=row["patient_control_number"],
        status_code=row["status_code"],
        total_charge=row["total_charge"],
        total_paid=row["total_paid"],
        patient_responsibility_amount=row["reported_patient_responsibility"],
        payer_claim_control_number=row["payer_claim_control_number"],
        adjudicated_on=row["adjudicated_on"],
        adjustments=_Adjustments.validate_python(row["adjustments"]),
        remark_codes=tuple(row["remark_codes"]),
        lines=_RemitLines.validate_python(row["lines"]),
    )
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
    )


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
        "created_at": remittance.received_at,
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
