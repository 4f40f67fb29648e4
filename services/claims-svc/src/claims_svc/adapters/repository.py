"""Repositories of claims-svc: claims with their status history, and the billing denial queue.

Every method takes the tenant and filters on it, so an id from another tenant is simply not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from claims_svc.adapters.orm import claim_denials, claim_status_history, claims
from claims_svc.domain.claim import Claim, ClaimLine, ClaimStatus, PriorAdjudication, PriorLine, StatusChange
from claims_svc.domain.denial import BillingDenial, DenialStatus
from claims_svc.domain.scrubber import DuplicateCandidate, ScrubFinding
from openrcm_shared.contracts import Coverage, Patient, PayerRef, Provider

# Built once: executed with parameters, they hit SQLAlchemy's compiled-statement cache directly.
_INSERT_CLAIM = insert(claims)
_INSERT_HISTORY = insert(claim_status_history)
_FOR_ENCOUNTER = (select(claims).where(claims.c.tenant_id == bindparam("tenant_id"),
                                       claims.c.encounter_id == bindparam("encounter_id"))
                  .order_by(claims.c.encounter_revision, claims.c.created_at, claims.c.id))
_FOR_ENCOUNTER_LOCKED = _FOR_ENCOUNTER.with_for_update()
#: Open claims of other encounters for the same patient, billing provider, date of service and payer.
_DUPLICATE_CANDIDATES = select(claims.c.id, claims.c.patient_control_number, claims.c.lines).where(
    claims.c.tenant_id == bindparam("tenant_id"), claims.c.patient_id == bindparam("patient_id"),
    claims.c.billing_provider_npi == bindparam("npi"), claims.c.service_date_from == bindparam("service_date_from"),
    claims.c.payer_id == bindparam("payer_id"), claims.c.encounter_id != bindparam("encounter_id"),
    claims.c.frequency_code != "8", claims.c.status != ClaimStatus.CLOSED.value,
)
_UPDATE_CLAIM = update(claims).where(claims.c.tenant_id == bindparam("key_tenant_id"), claims.c.id == bindparam("key_id"))
_BY_ID = select(claims).where(claims.c.tenant_id == bindparam("tenant_id"), claims.c.id == bindparam("claim_id"))
_FOR_COVERAGE = (select(claims).where(claims.c.tenant_id == bindparam("tenant_id"),
                                      claims.c.encounter_id == bindparam("encounter_id"),
                                      claims.c.encounter_revision == bindparam("revision"),
                                      claims.c.coverage_sequence == bindparam("coverage_sequence"))
                 .order_by(claims.c.created_at, claims.c.id))
_BY_PCN = (select(claims).where(claims.c.tenant_id == bindparam("tenant_id"),
                                claims.c.patient_control_number == bindparam("pcn"))
           .order_by(claims.c.encounter_revision.desc(), claims.c.created_at.desc()))
_BY_PCN_IN_STATUS = _BY_PCN.where(claims.c.status == bindparam("status"))
_HISTORY_OF_CLAIMS = (select(claim_status_history)
                      .where(claim_status_history.c.tenant_id == bindparam("tenant_id"),
                             claim_status_history.c.claim_id.in_(bindparam("claim_ids", expanding=True)))
                      .order_by(claim_status_history.c.id))
_BY_ID_LOCKED = _BY_ID.with_for_update()
_FOR_COVERAGE_LOCKED = _FOR_COVERAGE.with_for_update()
_BY_PCN_LOCKED = _BY_PCN.with_for_update()
_BY_PCN_IN_STATUS_LOCKED = _BY_PCN_IN_STATUS.with_for_update()


class ClaimRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, claim_id: uuid.UUID, *, for_update: bool = False) -> Claim | None:
        row = (await self._session.execute(_BY_ID_LOCKED if for_update else _BY_ID,
                                           {"tenant_id": tenant_id, "claim_id": claim_id})).mappings().first()
        return (await self._with_history([row]))[0] if row else None

    async def for_encounter(self, tenant_id: str, encounter_id: uuid.UUID, *, for_update: bool = False) -> list[Claim]:
        """Every claim of an encounter, oldest revision first."""
        return await self._many(_FOR_ENCOUNTER_LOCKED if for_update else _FOR_ENCOUNTER,
                                {"tenant_id": tenant_id, "encounter_id": encounter_id})

    async def for_coverage(self, tenant_id: str, encounter_id: uuid.UUID, revision: int, coverage_sequence: str, *,
                           for_update: bool = False) -> list[Claim]:
        """The claims of one coverage of one encounter revision."""
        return await self._many(_FOR_COVERAGE_LOCKED if for_update else _FOR_COVERAGE, {
            "tenant_id": tenant_id, "encounter_id": encounter_id, "revision": revision,
            "coverage_sequence": coverage_sequence})

    async def by_patient_control_number(self, tenant_id: str, pcn: str, *, for_update: bool = False,
                                        status: ClaimStatus | None = None) -> list[Claim]:
        """The claims of one chain (all revisions share the PCN), newest revision first; only those in
        ``status`` if given."""
        if status is None:
            return await self._many(_BY_PCN_LOCKED if for_update else _BY_PCN, {"tenant_id": tenant_id, "pcn": pcn})
        return await self._many(_BY_PCN_IN_STATUS_LOCKED if for_update else _BY_PCN_IN_STATUS,
                                {"tenant_id": tenant_id, "pcn": pcn, "status": status.value})

    async def get_many(self, tenant_id: str, claim_ids: Sequence[uuid.UUID], *, for_update: bool = False) -> list[Claim]:
        query = select(claims).where(claims.c.tenant_id == tenant_id, claims.c.id.in_(list(claim_ids)))
        return await self._many(query.with_for_update() if for_update else query)

    async def ready(self, tenant_id: str, *, limit: int, payer_ids: Sequence[str] | None = None) -> list[Claim]:
        """READY claims not in a batch yet, oldest first, locked; replicas batching at once take disjoint sets."""
        query = select(claims).where(claims.c.tenant_id == tenant_id, claims.c.status == ClaimStatus.READY.value,
                                     claims.c.batch_id.is_(None))
        if payer_ids is not None:
            query = query.where(claims.c.payer_id.in_(list(payer_ids)))
        query = query.order_by(claims.c.created_at, claims.c.id).limit(limit).with_for_update(skip_locked=True)
        return await self._many(query)

    async def tenants_with_ready_claims(self) -> list[str]:
        query = (select(claims.c.tenant_id).where(claims.c.status == ClaimStatus.READY.value,
                                                  claims.c.batch_id.is_(None)).distinct())
        return list(await self._session.scalars(query))

    async def duplicate_candidates(self, claim: Claim) -> list[DuplicateCandidate]:
        """Open claims of other encounters for the same patient, billing provider, date of service and payer."""
        found = await self._session.execute(_DUPLICATE_CANDIDATES, {
            "tenant_id": claim.tenant_id, "patient_id": claim.patient.patient_id, "npi": claim.billing_provider_npi,
            "service_date_from": claim.service_date_from, "payer_id": claim.payer.payer_id,
            "encounter_id": claim.encounter_id,
        })
        return [
            DuplicateCandidate(str(row.id), row.patient_control_number,
                               frozenset((doc["procedure_code"], tuple(doc["modifiers"])) for doc in row.lines))
            for row in found
        ]

    async def list(
        self, tenant_id: str, *, status: ClaimStatus | None, encounter_id: uuid.UUID | None, patient_id: str | None,
        limit: int, offset: int, statuses: Sequence[ClaimStatus] = (), oldest_first: bool = False,
        updated_before: datetime | None = None,
    ) -> list[Claim]:
        query = select(claims).where(claims.c.tenant_id == tenant_id)
        if updated_before is not None:
            query = query.where(claims.c.updated_at <= updated_before)
        if status is not None:
            query = query.where(claims.c.status == status.value)
        if statuses:
            query = query.where(claims.c.status.in_([s.value for s in statuses]))
        if encounter_id is not None:
            query = query.where(claims.c.encounter_id == encounter_id)
        if patient_id is not None:
            query = query.where(claims.c.patient_id == patient_id)
        order = claims.c.updated_at if oldest_first else claims.c.created_at.desc()
        query = query.order_by(order, claims.c.id).limit(limit).offset(offset)
        return await self._many(query)

    async def silent_since(
        self, tenant_id: str, *, statuses: Sequence[ClaimStatus], cutoff_by_payer: Mapping[str, datetime],
        default_cutoff: datetime, limit: int, offset: int,
    ) -> list[Claim]:
        """Claims in ``statuses`` unchanged since their payer's cutoff (other payers: ``default_cutoff``),
        the longest silent first and, among claims as old, the largest."""
        t = claims.c
        by_cutoff: dict[datetime, list[str]] = {}
        for payer_id, cutoff in cutoff_by_payer.items():
            by_cutoff.setdefault(cutoff, []).append(payer_id)
        silent = [and_(t.payer_id.in_(payer_ids), t.updated_at <= cutoff) for cutoff, payer_ids in by_cutoff.items()]
        silent.append(and_(t.payer_id.not_in(list(cutoff_by_payer)), t.updated_at <= default_cutoff))
        query = (
            select(claims)
            .where(t.tenant_id == tenant_id, t.status.in_([s.value for s in statuses]), or_(*silent))
            .order_by(func.date(t.updated_at), t.total_charge.desc(), t.updated_at, t.id)
            .limit(limit).offset(offset)
        )
        return await self._many(query)

    async def _many(self, query: Select[Any], params: Mapping[str, Any] | None = None) -> list[Claim]:
        return await self._with_history(list((await self._session.execute(query, params)).mappings()))

    async def add(self, claim: Claim, now: datetime) -> None:
        await self._session.execute(_INSERT_CLAIM, {**_claim_row(claim), "created_at": now, "updated_at": now})
        await self._store_new_history(claim)

    async def save(self, claim: Claim, now: datetime) -> None:
        await self.save_many([claim], now)

    async def save_many(self, changed: Sequence[Claim], now: datetime) -> None:
        """Store changed claims and their new history: one UPDATE and one INSERT for all of them."""
        if not changed:
            return
        await self._session.execute(_UPDATE_CLAIM, [
            {**_claim_row(claim, keys=False), "key_tenant_id": claim.tenant_id, "key_id": claim.id, "updated_at": now}
            for claim in changed
        ])
        history = [row for claim in changed for row in _history_rows(claim)]
        if history:
            await self._session.execute(_INSERT_HISTORY, history)
        for claim in changed:
            claim.persisted_history = len(claim.history)

    async def _store_new_history(self, claim: Claim) -> None:
        rows = _history_rows(claim)
        if rows:
            await self._session.execute(_INSERT_HISTORY, rows)
        claim.persisted_history = len(claim.history)

    async def _with_history(self, rows: Sequence[RowMapping]) -> list[Claim]:
        """Claims with their history, in one query for all of them (no lazy loads under asyncio)."""
        if not rows:
            return []
        history: dict[uuid.UUID, list[StatusChange]] = {row["id"]: [] for row in rows}
        changes = await self._session.execute(_HISTORY_OF_CLAIMS,
                                              {"tenant_id": rows[0]["tenant_id"], "claim_ids": list(history)})
        for change in changes.mappings():
            history[change["claim_id"]].append(StatusChange(
                ClaimStatus(change["from_status"]) if change["from_status"] else None, ClaimStatus(change["to_status"]),
                change["at"], change["actor"], change["reason"],
            ))
        found = [_claim(row, history[row["id"]]) for row in rows]
        for claim in found:
            claim.persisted_history = len(claim.history)
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


def _history_rows(claim: Claim) -> list[dict[str, Any]]:
    """The claim's status changes not stored yet."""
    return [
        {"tenant_id": claim.tenant_id, "claim_id": claim.id,
         "from_status": change.from_status.value if change.from_status else None,
         "to_status": change.to_status.value, "at": change.at, "actor": change.actor, "reason": change.reason}
        for change in claim.history[claim.persisted_history:]
    ]


def _claim_row(claim: Claim, *, keys: bool = True) -> dict[str, Any]:
    """The claim's columns (``keys`` False: without its key, for an update)."""
    return {
        **({"id": claim.id, "tenant_id": claim.tenant_id} if keys else {}), "encounter_id": claim.encounter_id,
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
        "patient_responsibility": claim.patient_responsibility, "batch_id": claim.batch_id,
        "details": {
            "place_of_service": claim.place_of_service, "diagnoses": list(claim.diagnoses),
            "coverage": _dump(claim.coverage), "prior_authorization_number": claim.prior_authorization_number,
            "rendering_provider": _dump(claim.rendering_provider), "referring_provider": _dump(claim.referring_provider),
            "prior_adjudications": [_prior_json(prior) for prior in claim.prior_adjudications],
            "correlation_id": claim.correlation_id,
        },
    }


def _dump(model: Coverage | Provider | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json")


def _claim(row: RowMapping, history: list[StatusChange]) -> Claim:
    details = row["details"] or {}
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
        patient_responsibility=row["patient_responsibility"], history=history, batch_id=row["batch_id"],
        place_of_service=details.get("place_of_service", ""), diagnoses=tuple(details.get("diagnoses", ())),
        coverage=Coverage.model_validate(details["coverage"]) if details.get("coverage") else None,
        prior_authorization_number=details.get("prior_authorization_number"),
        rendering_provider=Provider.model_validate(details["rendering_provider"]) if details.get("rendering_provider") else None,
        referring_provider=Provider.model_validate(details["referring_provider"]) if details.get("referring_provider") else None,
        prior_adjudications=tuple(_prior(doc) for doc in details.get("prior_adjudications", ())),
        correlation_id=details.get("correlation_id"),
    )


def _adjustments_json(adjustments: Sequence[tuple[str, str, Decimal]]) -> list[list[str]]:
    return [[group, reason, str(amount)] for group, reason, amount in adjustments]


def _adjustments(docs: Sequence[Sequence[str]]) -> tuple[tuple[str, str, Decimal], ...]:
    return tuple((group, reason, Decimal(amount)) for group, reason, amount in docs)


def _prior_json(prior: PriorAdjudication) -> dict[str, Any]:
    """Decimals as strings, dates as ISO text."""
    return {
        "payer": prior.payer.model_dump(mode="json"), "claim_filing_indicator": prior.claim_filing_indicator,
        "coverage": prior.coverage.model_dump(mode="json"), "coverage_sequence": prior.coverage_sequence,
        "paid": str(prior.paid), "patient_responsibility": str(prior.patient_responsibility),
        "claim_adjustments": _adjustments_json(prior.claim_adjustments),
        "lines": [{"line_number": line.line_number, "procedure_code": line.procedure_code,
                   "modifiers": list(line.modifiers), "units": str(line.units), "paid": str(line.paid),
                   "adjustments": _adjustments_json(line.adjustments)} for line in prior.lines],
        "adjudicated_on": prior.adjudicated_on.isoformat(), "payer_claim_control_number": prior.payer_claim_control_number,
    }


def _prior(doc: dict[str, Any]) -> PriorAdjudication:
    return PriorAdjudication(
        payer=PayerRef.model_validate(doc["payer"]), claim_filing_indicator=doc["claim_filing_indicator"],
        coverage=Coverage.model_validate(doc["coverage"]), coverage_sequence=doc["coverage_sequence"],
        paid=Decimal(doc["paid"]), patient_responsibility=Decimal(doc["patient_responsibility"]),
        claim_adjustments=_adjustments(doc["claim_adjustments"]),
        lines=tuple(PriorLine(line_number=line["line_number"], procedure_code=line["procedure_code"],
                              modifiers=tuple(line["modifiers"]), units=Decimal(line["units"]),
                              paid=Decimal(line["paid"]), adjustments=_adjustments(line["adjustments"]))
                    for line in doc["lines"]),
        adjudicated_on=date.fromisoformat(doc["adjudicated_on"]),
        payer_claim_control_number=doc["payer_claim_control_number"],
    )


def _line_json(line: ClaimLine) -> dict[str, Any]:
    """Decimals as strings, so JSON keeps them exact."""
    return {
        "line_number": line.line_number, "line_control_number": line.line_control_number,
        "procedure_code": line.procedure_code, "modifiers": list(line.modifiers), "units": str(line.units),
        "charge": None if line.charge is None else str(line.charge), "service_date": line.service_date.isoformat(),
        "diagnosis_pointers": list(line.diagnosis_pointers), "charge_source": line.charge_source,
    }


def _line(doc: dict[str, Any]) -> ClaimLine:
    return ClaimLine(
        line_number=doc["line_number"], line_control_number=doc["line_control_number"],
        procedure_code=doc["procedure_code"], modifiers=tuple(doc["modifiers"]), units=Decimal(doc["units"]),
        charge=None if doc["charge"] is None else Decimal(doc["charge"]),
        service_date=date.fromisoformat(doc["service_date"]),
        diagnosis_pointers=tuple(doc.get("diagnosis_pointers", ())), charge_source=doc.get("charge_source", "ehr"),
    )


def _denial(row: RowMapping) -> BillingDenial:
    return BillingDenial(
        id=row["id"], tenant_id=row["tenant_id"], denial_id=row["denial_id"], claim_id=row["claim_id"],
        level=row["level"], line_control_number=row["line_control_number"], procedure_code=row["procedure_code"],
        category=row["category"], reason_codes=tuple(row["reason_codes"]), remark_codes=tuple(row["remark_codes"]),
        recommended_action=row["recommended_action"], explanation=row["explanation"],
        denied_amount=row["denied_amount"], status=DenialStatus(row["status"]), received_at=row["received_at"],
    )
