"""Reference data billing reads is read once per session (one transaction), and a write through the store
in that session is seen at once; another session always reads the database afresh."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import update

from claims_svc.adapters.orm import fee_schedule_entries, payers
from claims_svc.adapters.reference_repository import PAYERS, ReferenceStore, fee_schedule_for, reference_item
from claims_svc.domain.reference import Payer
from openrcm_shared.db import utcnow

ON = date(2026, 6, 1)
ONE = Decimal(1)


async def test_a_session_reads_each_reference_row_once_and_forgets_it_when_the_store_writes(app, tenant, seed_reference):
    await seed_reference()
    payer_id = "ACME01"
    session_factory = app.state.runtime.session_factory
    async with session_factory() as session:
        first = await reference_item(session, PAYERS, tenant, payer_id)
        assert isinstance(first, Payer) and first.timely_filing_days == 365
        fees = await fee_schedule_for(session, tenant, ["99213", "83036"])
        # Changed behind the session's back (another transaction): this transaction keeps what it read.
        async with session_factory() as other:
            await other.execute(update(payers).where(payers.c.tenant_id == tenant).values(timely_filing_days=90))
            await other.execute(update(fee_schedule_entries).where(fee_schedule_entries.c.tenant_id == tenant)
                                .values(charge="1.00"))
            await other.commit()
        assert (await reference_item(session, PAYERS, tenant, payer_id)).timely_filing_days == 365
        again = await fee_schedule_for(session, tenant, ["83036", "99213"])
        assert [again.charge_for(c, (), ONE, ON) for c in ("99213", "83036")] == [
            fees.charge_for(c, (), ONE, ON) for c in ("99213", "83036")] == [Decimal("130.00"), Decimal("42.00")]
        assert await reference_item(session, PAYERS, "another-tenant", payer_id) is None

        # A write through the store in this session: what was read is forgotten.
        await ReferenceStore(session, PAYERS).replace(tenant, replace(first, appeal_days=45), utcnow())
        changed = await reference_item(session, PAYERS, tenant, payer_id)
        assert (changed.appeal_days, changed.timely_filing_days) == (45, 365)  # 365: the replace wrote it back
        assert (await fee_schedule_for(session, tenant, ["99213"])).charge_for("99213", (), ONE, ON) == Decimal("1.00")
        await session.commit()

    async with session_factory() as fresh:
        assert (await reference_item(fresh, PAYERS, tenant, payer_id)).appeal_days == 45
