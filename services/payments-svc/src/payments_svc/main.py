from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from openrcm_shared.contracts import DenialRaised, RemitReceived
from openrcm_shared.runtime import ServiceDefinition, build_app
from payments_svc import SERVICE_NAME
from payments_svc.config import Settings, get_settings
from payments_svc.entrypoints.api.routes import router
from payments_svc.entrypoints.consumer import HANDLERS

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFINITION = ServiceDefinition(
    name=SERVICE_NAME,
    version="0.1.0",
    description="Remittances and payment posting, matched to submitted claims; denials classified and routed. "
    "Emits RemitReceived and DenialRaised.",
    migrations_dir=MIGRATIONS_DIR,
    routers=[router],
    produces=[RemitReceived, DenialRaised],
    handlers=HANDLERS,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(DEFINITION, settings or get_settings())
