from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from claims_svc import SERVICE_NAME
from claims_svc.config import Settings, get_settings
from claims_svc.entrypoints.api.routes import router
from claims_svc.entrypoints.consumer import HANDLERS
from openrcm_shared.contracts import ClaimSubmitted
from openrcm_shared.runtime import ServiceDefinition, build_app

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFINITION = ServiceDefinition(
    name=SERVICE_NAME,
    version="0.1.0",
    description="Claims from coded encounters and their lifecycle; the billing denial queue. Emits ClaimSubmitted.",
    migrations_dir=MIGRATIONS_DIR,
    routers=[router],
    produces=[ClaimSubmitted],
    handlers=HANDLERS,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(DEFINITION, settings or get_settings())
