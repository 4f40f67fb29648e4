from functools import lru_cache

from pydantic import Field

from openrcm_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/coding-svc.db",
        description="coding-svc database (SQLite file embedded, PostgreSQL in production).",
    )
    ncci_ptp_files: str = Field(
        default="",
        description="CMS NCCI practitioner PTP edit files (tab-delimited CMS layout), comma-separated. "
        "Empty: the bundled SAMPLE rows, which are not for real claims.",
    )
    mue_file: str = Field(
        default="",
        description="CMS practitioner MUE table (CSV as CMS ships it). Empty: the bundled SAMPLE.",
    )
    hcpcs_file: str = Field(
        default="",
        description="CMS HCPCS Level II annual file (fixed-width record layout). Empty: the bundled SAMPLE.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
