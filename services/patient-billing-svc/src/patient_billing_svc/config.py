from functools import lru_cache

from pydantic import Field

from openrcm_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/patient-billing-svc.db",
        description="patient-billing-svc database (SQLite file embedded, PostgreSQL in production).",
    )
    billing_jobs_interval_seconds: float = Field(
        default=3600, ge=0,
        description="How often patient-billing-svc runs its daily jobs (payment plans, small-balance write-off, "
        "dunning, statement cycle) for every tenant; they are idempotent per day. 0 turns the loop off.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
