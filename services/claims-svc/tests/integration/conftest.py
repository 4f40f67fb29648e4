"""Fixtures: claims-svc running in-process on a fresh PostgreSQL database and the session's broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from claims_svc.config import Settings
from claims_svc.main import create_app
from openrcm_devtools.pytest_plugin import running_app, service_env


@pytest.fixture
def settings(postgres_url, broker) -> Settings:
    return Settings(**{k.lower(): v for k, v in service_env(postgres_url, broker.bootstrap_servers).items()})


@pytest.fixture
def app(settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as http:
        yield http


@pytest.fixture
def tenant() -> str:
    """A tenant of the test's own: the session's broker may hand this test earlier tests' messages."""
    return f"tenant-{uuid.uuid4().hex[:8]}"
