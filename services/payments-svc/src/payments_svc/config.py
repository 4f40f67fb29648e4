from functools import lru_cache

from pydantic import Field

from openrcm_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/payments-svc.db",
        description="payments-svc database (SQLite file embedded, PostgreSQL in production).",
    )
    era_drop_directory: str = Field(
        default="",
        description="Clearinghouse drop directory for 835 files, one sub-folder per tenant id; processed and failed "
        "files are moved aside. Empty: no watcher.",
    )
    era_drop_poll_seconds: float = Field(
        default=10.0, gt=0, description="How often payments-svc looks for new files in ERA_DROP_DIRECTORY."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
