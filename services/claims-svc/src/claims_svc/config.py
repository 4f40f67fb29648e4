import json
from functools import lru_cache
from typing import Any

from pydantic import Field, field_validator

from openrcm_shared.settings import ServiceSettings

DEFAULT_CLEARINGHOUSES = '{"local-drop": {"adapter": "file_drop", "directory": "./var/clearinghouse"}}'


class Settings(ServiceSettings):
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/claims-svc.db",
        description="claims-svc database (SQLite file embedded, PostgreSQL in production).",
    )
    clearinghouses: str = Field(
        default=DEFAULT_CLEARINGHOUSES,
        description="claims-svc clearinghouse connections, JSON: name -> {adapter, ...}. file_drop: directory "
        "(claims go to <directory>/outbound/<tenant>/, 999/277CA files are read from <directory>/inbound/<tenant>/). "
        "http: url, api_key, timeout_seconds, max_attempts. A tenant's routes name a connection.",
    )
    batch_interval_seconds: float = Field(
        default=0, ge=0,
        description="claims-svc: every this many seconds, send waiting batches, batch and send ready claims per "
        "route, and fetch 999/277CA files from the clearinghouses. 0: only on POST /v1/batches and "
        "POST /v1/acknowledgments.",
    )
    batch_max_claims: int = Field(default=5000, ge=1, le=100_000, description="claims-svc: most claims in one batch.")

    @field_validator("clearinghouses")
    @classmethod
    def _connections(cls, value: str) -> str:
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"CLEARINGHOUSES is not JSON: {exc.msg}") from None
        if not isinstance(parsed, dict) or not all(isinstance(c, dict) for c in parsed.values()):
            raise ValueError("CLEARINGHOUSES is a JSON object of connection name -> {adapter, ...}")
        from claims_svc.adapters.clearinghouse import ADAPTERS  # noqa: PLC0415 - the adapters register themselves there

        for name, connection in parsed.items():
            if connection.get("adapter") not in ADAPTERS:
                raise ValueError(f"clearinghouse {name}: adapter must be one of {', '.join(ADAPTERS)}")
        return value

    def clearinghouse_connections(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.clearinghouses)


@lru_cache
def get_settings() -> Settings:
    return Settings()
