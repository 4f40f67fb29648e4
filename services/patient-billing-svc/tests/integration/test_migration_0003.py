"""Revision 0003 gives existing ledger rows their posting order and existing accounts their summary,
on PostgreSQL and on SQLite (the embedded run), money staying exact."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import insert, select

from openrcm_shared.db import create_engine
from openrcm_shared.migrations import alembic_config
from patient_billing_svc.adapters.orm import guarantor_accounts, ledger_entries, visits
from patient_billing_svc.main import MIGRATIONS_DIR

T0 = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
DAY = date(2026, 5, 1)


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'pb.db'}"
    return request.getfixturevalue("postgres_url")


async def test_existing_entries_get_their_order_and_accounts_their_figures(database_url):
    config = alembic_config(MIGRATIONS_DIR, database_url)
    await asyncio.to_thread(command.upgrade, config, "0002")
    account, adjudicated, pending = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    charge, share, reversal = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engine = create_engine(database_url)
    async with engine.begin() as db:
        await db.execute(insert(guarantor_accounts).values(
            id=account, tenant_id="t", patient_id="MRN-1", guarantor={}, guarantor_is_patient=True, opened_at=T0,
            updated_at=T0,
        ))
        for visit_id, status in ((adjudicated, "adjudicated"), (pending, "claim_pending")):
            await db.execute(insert(visits).values(
                id=visit_id, tenant_id="t", account_id=account, encounter_id=uuid.uuid4(), revision=1,
                coverage_sequences=["primary"], total_charge=Decimal("165.00"), status=status, created_at=T0,
                updated_at=T0,
            ))
        for minute, (entry_id, entry_type, amount, days_ago, reverses) in enumerate((
            (charge, "patient_charge", "100.00", 50, None),
            (share, "insurance_patient_responsibility", "35.10", 20, None),
            (reversal, "reversal", "-100.00", 5, charge),
        )):
            await db.execute(insert(ledger_entries).values(
                id=entry_id, tenant_id="t", account_id=account, visit_id=adjudicated, entry_type=entry_type,
                amount=Decimal(amount), entry_date=DAY - timedelta(days=days_ago), posting_key=f"k-{entry_id}",
                source_event_id=uuid.uuid4(), reverses_entry_id=reverses, posted_at=T0 + timedelta(minutes=minute),
            ))
    await engine.dispose()

    await asyncio.to_thread(command.upgrade, config, "head")
    engine = create_engine(database_url)
    async with engine.connect() as db:
        order = dict((await db.execute(select(ledger_entries.c.id, ledger_entries.c.seq))).all())
        summary = (await db.execute(select(
            guarantor_accounts.c.balance, guarantor_accounts.c.insurance_pending, guarantor_accounts.c.oldest_open_on,
            guarantor_accounts.c.dunning_step, guarantor_accounts.c.disputed,
        ))).one()
    await engine.dispose()
    assert order == {charge: 0, share: 1, reversal: 2}
    assert tuple(summary) == (Decimal("35.10"), Decimal("165.00"), DAY - timedelta(days=20), "none", False)

