"""The intake's one-round-trip read (the encounter, locked, and the tenant's policy) on both databases."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from coding_svc.adapters.orm import metadata
from coding_svc.adapters.repository import EncounterRepository, PolicyRepository
from coding_svc.domain.encounter import Encounter
from coding_svc.domain.policy import CodingPolicy
from coding_svc.entrypoints.api.schemas import EncounterIn
from openrcm_devtools import samples
from openrcm_shared.db import create_engine, platform_metadata

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(params=["postgresql", "sqlite"])
async def sessions(request, postgres_url, tmp_path):
    url = postgres_url if request.param == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/coding.db"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(platform_metadata.create_all)
        await connection.run_sync(metadata.create_all)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


def _encounter(tenant_id: str, external_id: str) -> Encounter:
    document = EncounterIn.model_validate(samples.encounter(external_id, patient_id="MRN-1")).to_document()
    encounter = Encounter.receive(tenant_id, document, now=NOW, actor="ehr")
    encounter.filing_deadline = date(2027, 11, 24)
    return encounter


async def test_no_encounter_and_no_policy_give_none_and_the_defaults(sessions):
    async with sessions() as session, session.begin():
        found, policy = await EncounterRepository(session).find_by_external_id_with_policy("tenant-a", "epic", "E-1")
    assert found is None
    assert policy == CodingPolicy(tenant_id="tenant-a")


async def test_the_stored_encounter_and_policy_come_back_as_stored_and_only_the_tenants(sessions):
    stored = _encounter("tenant-a", "E-1")
    policy = CodingPolicy(
        tenant_id="tenant-a", auto_release_clean_provider_codes=True, claim_minutes=45, default_filing_days=90,
        filing_days_by_payer={"P1": 180}, audit_sample_percent=Decimal("12.50"),
        audit_sample_percent_by_coder={"coder-1": Decimal("50.00")}, updated_at=NOW, updated_by="admin",
    )
    async with sessions() as session, session.begin():
        await EncounterRepository(session).add(stored, NOW)
        await PolicyRepository(session).put(policy)
    source = stored.document.source_system
    async with sessions() as session, session.begin():
        found, read_policy = await EncounterRepository(session).find_by_external_id_with_policy("tenant-a", source, "E-1")
        separately = await EncounterRepository(session).find_by_external_id("tenant-a", source, "E-1")
        other, other_policy = await EncounterRepository(session).find_by_external_id_with_policy("tenant-b", source, "E-1")
    assert found == separately and found is not None and found.id == stored.id
    assert found.document == stored.document and found.filing_deadline == date(2027, 11, 24)
    assert read_policy == policy
    assert other is None and other_policy == CodingPolicy(tenant_id="tenant-b")


async def test_a_policy_without_the_encounter_and_the_other_way_round(sessions):
    stored = _encounter("tenant-b", "E-2")
    source = stored.document.source_system
    async with sessions() as session, session.begin():
        await PolicyRepository(session).put(CodingPolicy(tenant_id="tenant-a", claim_minutes=30, updated_at=NOW, updated_by="admin"))
        await EncounterRepository(session).add(stored, NOW)
    async with sessions() as session, session.begin():
        repository = EncounterRepository(session)
        missing, policy = await repository.find_by_external_id_with_policy("tenant-a", source, "E-2")
        found, defaults = await repository.find_by_external_id_with_policy("tenant-b", source, "E-2")
    assert missing is None and policy.claim_minutes == 30
    assert found is not None and found.id == stored.id and defaults == CodingPolicy(tenant_id="tenant-b")
