from functools import lru_cache

from pydantic import Field

from openrcm_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/claims-svc.db",
        description="claims-svc database (SQLite file embedded, PostgreSQL in production).",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
