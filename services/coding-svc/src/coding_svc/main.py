from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from coding_svc import SERVICE_NAME
from coding_svc.config import Settings, get_settings
from coding_svc.adapters.reference import warm_up
from coding_svc.entrypoints.api import audits, code_sets, procedure_catalog
from coding_svc.entrypoints.api.routes import router
from coding_svc.entrypoints.consumer import HANDLERS
from openrcm_shared.contracts import EncounterCoded
from openrcm_shared.runtime import ServiceDefinition, build_app

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

DEFINITION = ServiceDefinition(
    name=SERVICE_NAME,
    version="0.1.0",
    description="Encounters from EHRs, coding, coding edits. Emits EncounterCoded.",
    migrations_dir=MIGRATIONS_DIR,
    routers=[router, code_sets.router, audits.router, procedure_catalog.router],
    produces=[EncounterCoded],
    handlers=HANDLERS,
    startup=[warm_up],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return build_app(DEFINITION, settings or get_settings())
