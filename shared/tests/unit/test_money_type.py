"""Money on SQLite (whole cents): comparisons, ORDER BY and SUM in SQL are numeric and exact."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from openrcm_shared.db import Money, create_engine

metadata = MetaData()
balances = Table("balances", metadata, Column("id", Integer, primary_key=True), Column("amount", Money),
                 Column("other", Money))


async def test_money_compares_and_sums_as_numbers_on_sqlite(tmp_path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'money.db'}")
    amounts = ["38.40", "5.00", "0.00", "-12.50", "100.00", "4.99"]
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(balances), [{"id": i, "amount": Decimal(a), "other": Decimal("5.00")}
                                              for i, a in enumerate(amounts)])
        async def ids(condition) -> list[str]:
            rows = await conn.execute(select(balances.c.amount).where(condition).order_by(balances.c.id))
            return [str(r.amount) for r in rows]

        assert await ids(balances.c.amount >= Decimal("5.00")) == ["38.40", "5.00", "100.00"]
        assert await ids(balances.c.amount > 0) == ["38.40", "5.00", "100.00", "4.99"]
        assert await ids(balances.c.amount < 0) == ["-12.50"]
        assert await ids(balances.c.amount == 0) == ["0.00"]
        assert await ids(balances.c.amount < balances.c.other) == ["0.00", "-12.50", "4.99"]
        ordered = await conn.execute(select(balances.c.amount).order_by(balances.c.amount.desc()))
        assert [str(a) for a in ordered.scalars()] == ["100.00", "38.40", "5.00", "4.99", "0.00", "-12.50"]
        total = (await conn.execute(select(func.sum(balances.c.amount)))).scalar_one()
        assert total == Decimal("135.89")
    await engine.dispose()
