"""Fixtures of the platform's integration tests."""

from __future__ import annotations

import pytest

from openrcm_shared.db import create_engine, platform_metadata


@pytest.fixture(params=["postgresql", "sqlite"])
async def any_database(request, postgres_url, tmp_path):
    """An engine on each database a service may run on, with the platform tables."""
    url = postgres_url if request.param == "postgresql" else f"sqlite+aiosqlite:///{tmp_path}/platform.db"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(platform_metadata.create_all)
    yield engine
    await engine.dispose()
