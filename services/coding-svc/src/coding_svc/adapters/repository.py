"""Repositories: load and save coding-svc's aggregates, always inside one tenant."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, insert, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from coding_svc.adapters.orm import coding_policies, coding_releases, encounter_versions, encounters, physician_queries
from coding_svc.domain.edits.findings import Finding, Severity
from coding_svc.domain.encounter import (
    Assignment, CodeSet, Encounter, EncounterDocument, EncounterStatus, EncounterVersion, Release,
)
from coding_svc.domain.physician_query import PhysicianQuery, QueryStatus
from coding_svc.domain.policy import CodingPolicy
from openrcm_shared.db import UnitOfWork


# Statements built once: executed with a parameter dict they hit SQLAlchemy's compiled cache directly,
# where ``.values(**row)`` and literal comparisons would rebuild and re-key them on every call
# (a measurable part of an intake request).
_FIND_BY_EXTERNAL_ID = select(encounters).where(
    encounters.c.tenant_id == bindparam("b_tenant_id"),
    encounters.c.source_system == bindparam("b_source_system"),
    encounters.c.external_encounter_id == bindparam("b_external_id"),
)
_FIND_BY_EXTERNAL_ID_FOR_UPDATE = _FIND_BY_EXTERNAL_ID.with_for_update()
_INSERT_ENCOUNTER = insert(encounters)
_INSERT_RELEASE = insert(coding_releases)
_GET_POLICY = select(coding_policies).where(coding_policies.c.tenant_id == bindparam("b_tenant_id"))
# PostgreSQL: the encounter (locked) and the tenant's policy in one round trip; either may be absent,
# so both hang off a one-row anchor by outer joins (the lock sits inside the lateral subquery).
_LOCKED_ENCOUNTER = _FIND_BY_EXTERNAL_ID_FOR_UPDATE.lateral("existing")
_ENCOUNTER_AND_POLICY = (
    select(
        *(column.label(f"policy_{column.name}") for column in coding_policies.c),
        *_LOCKED_ENCOUNTER.c,
    )
    .select_from(
        select(literal(1).label("one")).subquery("anchor")
        .outerjoin(coding_policies, coding_policies.c.tenant_id == bindparam("b_tenant_id"))
        .outerjoin(_LOCKED_ENCOUNTER, true())
    )
)


class EncounterRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, encounter_id: uuid.UUID, *, for_update: bool = False) -> Encounter | None:
        query = select(encounters).where(encounters.c.tenant_id == tenant_id, encounters.c.id == encounter_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).mappings().first()
        return _to_domain(row) if row else None

    async def find_by_external_id(
        self, tenant_id: str, source_system: str, external_id: str, *, for_update: bool = False
    ) -> Encounter | None:
        query = _FIND_BY_EXTERNAL_ID_FOR_UPDATE if for_update else _FIND_BY_EXTERNAL_ID
        params = {"b_tenant_id": tenant_id, "b_source_system": source_system, "b_external_id": external_id}
        row = (await self._session.execute(query, params)).mappings().first()
        return _to_domain(row) if row else None

    async def find_by_external_id_with_policy(
        self, tenant_id: str, source_system: str, external_id: str
    ) -> tuple[Encounter | None, CodingPolicy]:
        """``find_by_external_id(..., for_update=True)`` and the tenant's policy (``PolicyRepository.get``):
        in one round trip on PostgreSQL, two statements elsewhere."""
        params = {"b_tenant_id": tenant_id, "b_source_system": source_system, "b_external_id": external_id}
        bind = self._session.bind
        if bind is None or bind.dialect.name != "postgresql":
            existing = await self.find_by_external_id(tenant_id, source_system, external_id, for_update=True)
            return existing, await PolicyRepository(self._session).get(tenant_id)
        row = (await self._session.execute(_ENCOUNTER_AND_POLICY, params)).mappings().one()
        policy_row = {column.name: row[f"policy_{column.name}"] for column in coding_policies.c}
        policy = _policy_of(tenant_id, policy_row if policy_row["tenant_id"] is not None else None)
        return (_to_domain(row) if row["id"] is not None else None), policy

    async def add(self, encounter: Encounter, now: datetime) -> None:
        await self._session.execute(_INSERT_ENCOUNTER, _new_row(encounter, now))

    @staticmethod
    def add_at_commit(uow: UnitOfWork, encounter: Encounter, now: datetime) -> None:
        """``add``, written by the unit of work's commit with its other rows in one round trip
        (``UnitOfWork.write_at_commit``): for a use case that reads or references it no further before
        its commit. A concurrent insert of the same encounter raises IntegrityError from the commit."""
        uow.write_at_commit(encounters, _new_row(encounter, now))

    async def add_superseded_version(self, encounter: Encounter, superseded: EncounterVersion, now: datetime) -> None:
        await self._session.execute(
            insert(encounter_versions).values(
                encounter_id=encounter.id, version=superseded.version, tenant_id=encounter.tenant_id,
                document=superseded.document.model_dump(mode="json"), received_at=superseded.received_at or now,
                actor=superseded.received_by,
            )
        )

    async def superseded_versions(self, tenant_id: str, encounter_id: uuid.UUID) -> list[EncounterVersion]:
        rows = await self._session.execute(
            select(encounter_versions)
            .where(encounter_versions.c.tenant_id == tenant_id, encounter_versions.c.encounter_id == encounter_id)
            .order_by(encounter_versions.c.version)
        )
        return [
            EncounterVersion(
                version=row["version"], document=EncounterDocument.model_validate(row["document"]),
                received_at=row["received_at"], received_by=row["actor"],
            )
            for row in rows.mappings()
        ]

    async def save(self, encounter: Encounter, now: datetime) -> None:
        await self._session.execute(
            update(encounters)
            .where(encounters.c.tenant_id == encounter.tenant_id, encounters.c.id == encounter.id)
            .values(**_to_row(encounter), updated_at=now)
        )

    async def list(
        self, tenant_id: str, *, status: EncounterStatus | None, patient_id: str | None, limit: int, offset: int
    ) -> list[Encounter]:
        query = select(encounters).where(encounters.c.tenant_id == tenant_id)
        if status is not None:
            query = query.where(encounters.c.status == status.value)
        if patient_id is not None:
            query = query.where(encounters.c.patient_id == patient_id)
        query = query.order_by(encounters.c.created_at.desc(), encounters.c.id).limit(limit).offset(offset)
        return [_to_domain(row) for row in (await self._session.execute(query)).mappings()]

    # -- work queues ---------------------------------------------------------------------------------

    async def queue(
        self, tenant_id: str, status: EncounterStatus, *, now: datetime, claimed: bool | None = None,
        payer_id: str | None = None, limit: int, offset: int,
    ) -> list[Encounter]:
        """One queue in working order: filing deadline, then age (oldest received first)."""
        query = _queue_query(tenant_id, status, now=now, claimed=claimed, payer_id=payer_id).limit(limit).offset(offset)
        return [_to_domain(row) for row in (await self._session.execute(query)).mappings()]

    async def next_unclaimed(
        self, tenant_id: str, status: EncounterStatus, *, now: datetime, payer_id: str | None = None
    ) -> Encounter | None:
        """The first unclaimed encounter of a queue, locked for this transaction. On PostgreSQL rows other
        transactions hold are skipped (two coders asking at once get different encounters); on SQLite
        ``BEGIN IMMEDIATE`` already serialises writers."""
        query = (
            _queue_query(tenant_id, status, now=now, claimed=False, payer_id=payer_id)
            .limit(1).with_for_update(skip_locked=True)
        )
        row = (await self._session.execute(query)).mappings().first()
        return _to_domain(row) if row else None

    async def open_encounter_deadlines(self, tenant_id: str) -> list[tuple[uuid.UUID, date, str | None]]:
        """(id, first date of service, primary payer) of every encounter not coded: their deadlines follow
        the policy."""
        rows = await self._session.execute(
            select(encounters.c.id, encounters.c.service_date_from, encounters.c.primary_payer_id).where(
                encounters.c.tenant_id == tenant_id, encounters.c.status != EncounterStatus.CODED.value
            )
        )
        return [(row.id, row.service_date_from, row.primary_payer_id) for row in rows]

    async def set_filing_deadlines(self, tenant_id: str, deadlines: Iterable[tuple[uuid.UUID, date]]) -> None:
        params = [{"b_id": encounter_id, "b_deadline": deadline} for encounter_id, deadline in deadlines]
        if not params:
            return
        statement = (
            update(encounters)
            .where(encounters.c.tenant_id == tenant_id, encounters.c.id == bindparam("b_id"))
            .values(filing_deadline=bindparam("b_deadline"))
        )
        await self._session.execute(statement, params)


def _unclaimed(now: datetime) -> ColumnElement[bool]:
    return or_(encounters.c.claimed_by.is_(None), encounters.c.claim_expires_at <= now)


def _queue_query(tenant_id: str, status: EncounterStatus, *, now: datetime, claimed: bool | None, payer_id: str | None):  # type: ignore[no-untyped-def]
    query = select(encounters).where(encounters.c.tenant_id == tenant_id, encounters.c.status == status.value)
    if claimed is True:
        query = query.where(and_(encounters.c.claimed_by.is_not(None), encounters.c.claim_expires_at > now))
    elif claimed is False:
        query = query.where(_unclaimed(now))
    if payer_id is not None:
        query = query.where(encounters.c.primary_payer_id == payer_id)
    return query.order_by(encounters.c.filing_deadline, encounters.c.received_at, encounters.c.id)


def findings_to_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [{**asdict(f), "severity": f.severity.value, "lines": list(f.lines), "diagnoses": list(f.diagnoses)}
            for f in findings]


def findings_from_json(data: Iterable[dict[str, Any]] | None) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            edit_id=f["edit_id"], severity=Severity(f["severity"]), message=f["message"],
            suggested_fix=f["suggested_fix"], lines=tuple(f.get("lines", ())), diagnoses=tuple(f.get("diagnoses", ())),
        )
        for f in data or ()
    )


def _new_row(encounter: Encounter, now: datetime) -> dict[str, Any]:
    row = _to_row(encounter)
    return {**row, "received_at": row["received_at"] or now, "created_at": now, "updated_at": now}


def _to_row(encounter: Encounter) -> dict[str, Any]:
    doc = encounter.document
    assignment = encounter.assignment
    return {
        "id": encounter.id,
        "tenant_id": encounter.tenant_id,
        "source_system": doc.source_system,
        "external_encounter_id": doc.external_encounter_id,
        "patient_id": doc.patient.patient_id,
        "status": encounter.status.value,
        "revision": encounter.revision,
        "service_date_from": doc.service_date_from,
        "service_date_to": doc.service_date_to,
        "document": doc.model_dump(mode="json"),
        "rework_reasons": encounter.rework_reasons,
        "coded_at": encounter.coded_at,
        "version": encounter.version,
        "received_at": encounter.received_at,
        "received_by": encounter.received_by,
        "codes": encounter.codes.model_dump(mode="json"),
        "codes_by": encounter.codes_by,
        "claimed_by": assignment.coder if assignment else None,
        "claimed_at": assignment.claimed_at if assignment else None,
        "claim_expires_at": assignment.expires_at if assignment else None,
        "findings": findings_to_json(encounter.findings),
        "primary_payer_id": doc.primary_payer_id,
        "filing_deadline": encounter.filing_deadline,
    }


def _to_domain(row) -> Encounter:  # type: ignore[no-untyped-def]
    assignment = (
        Assignment(row["claimed_by"], row["claimed_at"], row["claim_expires_at"]) if row["claimed_by"] else None
    )
    return Encounter(
        id=row["id"],
        tenant_id=row["tenant_id"],
        document=EncounterDocument.model_validate(row["document"]),
        status=EncounterStatus(row["status"]),
        revision=row["revision"],
        coded_at=row["coded_at"],
        rework_reasons=list(row["rework_reasons"] or []),
        version=row["version"],
        received_at=row["received_at"],
        received_by=row["received_by"],
        codes=CodeSet.model_validate(row["codes"]),
        codes_by=row["codes_by"],
        assignment=assignment,
        findings=findings_from_json(row["findings"]),
        filing_deadline=row["filing_deadline"],
    )


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str) -> CodingPolicy:
        """The tenant's policy, or the defaults when it never set one."""
        row = (await self._session.execute(_GET_POLICY, {"b_tenant_id": tenant_id})).mappings().first()
        return _policy_of(tenant_id, row)

    async def put(self, policy: CodingPolicy) -> None:
        values = {
            "auto_release_clean_provider_codes": policy.auto_release_clean_provider_codes,
            "claim_minutes": policy.claim_minutes,
            "default_filing_days": policy.default_filing_days,
            "filing_days_by_payer": dict(policy.filing_days_by_payer),
            "audit_sample_percent": policy.audit_sample_percent,
            "audit_sample_percent_by_coder": {k: str(v) for k, v in policy.audit_sample_percent_by_coder.items()},
            "updated_at": policy.updated_at,
            "updated_by": policy.updated_by,
        }
        table = coding_policies
        updated = await self._session.execute(update(table).where(table.c.tenant_id == policy.tenant_id).values(**values))
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            await self._session.execute(insert(table).values(tenant_id=policy.tenant_id, **values))


def _policy_of(tenant_id: str, row: Any) -> CodingPolicy:  # a mapping of coding_policies' columns, or None
    if row is None:
        return CodingPolicy(tenant_id=tenant_id)
    return CodingPolicy(
        tenant_id=tenant_id,
        auto_release_clean_provider_codes=row["auto_release_clean_provider_codes"],
        claim_minutes=row["claim_minutes"],
        default_filing_days=row["default_filing_days"],
        filing_days_by_payer={str(k): int(v) for k, v in (row["filing_days_by_payer"] or {}).items()},
        audit_sample_percent=Decimal(row["audit_sample_percent"]),
        audit_sample_percent_by_coder={
            str(k): Decimal(str(v)) for k, v in (row["audit_sample_percent_by_coder"] or {}).items()
        },
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )


class ReleaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, encounter: Encounter, release: Release, *, from_status: EncounterStatus) -> None:
        await self._session.execute(_INSERT_RELEASE, _release_row(encounter, release, from_status))

    @staticmethod
    def add_at_commit(uow: UnitOfWork, encounter: Encounter, release: Release, *, from_status: EncounterStatus) -> None:
        """``add``, written by the unit of work's commit with its other rows in one round trip."""
        uow.write_at_commit(coding_releases, _release_row(encounter, release, from_status))

    async def for_encounter(self, tenant_id: str, encounter_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await self._session.execute(
            select(coding_releases)
            .where(coding_releases.c.tenant_id == tenant_id, coding_releases.c.encounter_id == encounter_id)
            .order_by(coding_releases.c.revision)
        )
        return [dict(row) for row in rows.mappings()]


def _release_row(encounter: Encounter, release: Release, from_status: EncounterStatus) -> dict[str, Any]:
    return {
        "encounter_id": encounter.id, "revision": release.revision, "tenant_id": encounter.tenant_id,
        "coder": release.coder, "claimed_at": release.work_started_at, "released_at": release.released_at,
        "codes": release.codes.model_dump(mode="json"), "warnings": findings_to_json(release.warnings),
        "auto_released": release.auto_released, "from_status": from_status.value,
    }


class QueryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, query_id: uuid.UUID, *, for_update: bool = False) -> PhysicianQuery | None:
        statement = select(physician_queries).where(
            physician_queries.c.tenant_id == tenant_id, physician_queries.c.id == query_id
        )
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return _query_to_domain(row) if row else None

    async def add(self, query: PhysicianQuery) -> None:
        await self._session.execute(insert(physician_queries).values(**_query_to_row(query)))

    async def save(self, query: PhysicianQuery) -> None:
        await self._session.execute(
            update(physician_queries)
            .where(physician_queries.c.tenant_id == query.tenant_id, physician_queries.c.id == query.id)
            .values(**_query_to_row(query))
        )

    async def list(
        self, tenant_id: str, *, status: QueryStatus | None, provider_npi: str | None,
        encounter_id: uuid.UUID | None = None, limit: int, offset: int,
    ) -> list[PhysicianQuery]:
        """Oldest first: the longest-waiting queries head the list."""
        statement = select(physician_queries).where(physician_queries.c.tenant_id == tenant_id)
        if status is not None:
            statement = statement.where(physician_queries.c.status == status.value)
        if provider_npi is not None:
            statement = statement.where(physician_queries.c.provider_npi == provider_npi)
        if encounter_id is not None:
            statement = statement.where(physician_queries.c.encounter_id == encounter_id)
        statement = statement.order_by(physician_queries.c.asked_at, physician_queries.c.id).limit(limit).offset(offset)
        return [_query_to_domain(row) for row in (await self._session.execute(statement)).mappings()]


def _query_to_row(query: PhysicianQuery) -> dict[str, Any]:
    return {
        "id": query.id, "tenant_id": query.tenant_id, "encounter_id": query.encounter_id,
        "provider_npi": query.provider_npi, "asked_by": query.asked_by, "question": query.question,
        "options": list(query.options) if query.options is not None else None, "status": query.status.value,
        "resume_status": query.resume_status.value, "answer": query.answer, "chosen_option": query.chosen_option,
        "asked_at": query.asked_at, "answered_at": query.answered_at, "answered_by": query.answered_by,
        "withdrawn_at": query.withdrawn_at, "withdrawn_by": query.withdrawn_by,
    }


def _query_to_domain(row) -> PhysicianQuery:  # type: ignore[no-untyped-def]
    return PhysicianQuery(
        id=row["id"], tenant_id=row["tenant_id"], encounter_id=row["encounter_id"], provider_npi=row["provider_npi"],
        asked_by=row["asked_by"], question=row["question"],
        options=tuple(row["options"]) if row["options"] is not None else None,
        resume_status=EncounterStatus(row["resume_status"]), asked_at=row["asked_at"],
        status=QueryStatus(row["status"]), answer=row["answer"], chosen_option=row["chosen_option"],
        answered_at=row["answered_at"], answered_by=row["answered_by"],
        withdrawn_at=row["withdrawn_at"], withdrawn_by=row["withdrawn_by"],
    )
