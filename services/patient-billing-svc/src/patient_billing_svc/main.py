from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from openrcm_shared.runtime import ServiceDefinition, build_app
from patient_billing_svc import SERVICE_NAME
from patient_billing_svc.config import Settings, get_settings
from patient_billing_svc.entrypoints.api.routes import router
from patient_billing_svc.entrypoints.consumer import HANDLERS

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFINITION = ServiceDefinition(
    name=SERVICE_NAME,
    version="0.1.0",
    description="Guarantor accounts and the patient ledger, from EncounterCoded and RemitReceived.",
    migrations_dir=MIGRATIONS_DIR,
    routers=[router],
    handlers=HANDLERS,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(DEFINITION, settings or get_settings())
