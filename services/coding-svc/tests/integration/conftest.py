"""coding-svc in-process against real PostgreSQL and the local broker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from coding_svc.config import Settings
from coding_svc.main import create_app
from openrcm_devtools.pytest_plugin import running_app, service_env


@pytest.fixture
def settings(postgres_url, broker) -> Settings:
    return Settings(**{k.lower(): v for k, v in service_env(postgres_url, broker.bootstrap_servers).items()})


@pytest.fixture
def app(settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as client:
        yield client


@pytest.fixture
def count(app) -> Callable[..., Awaitable[int]]:
    """``await count(table, *where)``: rows in one of the service's tables."""

    async def count_rows(table: Any, *where: Any) -> int:
        async with app.state.runtime.session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(table).where(*where)))

    return count_rows
