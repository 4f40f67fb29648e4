"""Settings every service reads from its environment.

Each service subclasses ``ServiceSettings`` (adding its own fields) and exposes a cached
``get_settings()``. Field names map to upper-case environment variables; the compose test reads
these models to check that docker-compose.yml sets every variable a service reads.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    database_url: str = Field(
        description="SQLAlchemy async URL of the service's own database "
        "(sqlite+aiosqlite:///... embedded, postgresql+asyncpg://... in production)."
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Comma-separated Kafka bootstrap servers."
    )
    kafka_enable_idempotence: bool = Field(
        default=False,
        description="Idempotent producer. On for Apache Kafka; tansu does not support it. "
        "Correctness never depends on it: the outbox and inbox do.",
    )
    kafka_topic_partitions: int = Field(
        default=6, ge=1, description="Partitions for topics this service creates."
    )
    kafka_replication_factor: int = Field(
        default=1, ge=1, description="Replication factor for topics this service creates."
    )
    kafka_session_timeout_ms: int = Field(
        default=10_000, ge=1000,
        description="Consumer group session timeout; a silent member is evicted after it. Joining a group "
        "on tansu waits half of it.",
    )
    consumer_max_retries: int = Field(
        default=3, ge=0, description="Retries of a failing event handler before the event goes to the DLQ."
    )
    consumer_retry_backoff_seconds: float = Field(
        default=0.2, ge=0, description="First retry delay; doubles on each retry."
    )
    outbox_poll_interval_seconds: float = Field(
        default=0.5, gt=0, description="How often the outbox relay looks for events written by other replicas."
    )
    outbox_lease_seconds: float = Field(
        default=30, gt=0,
        description="How long a relay owns a batch it is publishing; a crashed relay's batch is "
        "republished after it. Keep well above the broker request timeout (10 s).",
    )
    outbox_batch_size: int = Field(default=200, ge=1, description="Events the relay publishes per transaction.")
    outbox_retention_days: float = Field(
        default=7, gt=0, description="Published outbox rows are deleted after this many days (unpublished ones never)."
    )
    inbox_retention_days: float = Field(
        default=30, gt=0,
        description="Inbox rows (which make a redelivered event a no-op) are deleted after this many days. "
        "Keep it longer than the topics' retention on the broker.",
    )
    auth_jwt_secret: str = Field(
        default="",
        description="Shared HS256 key for locally minted tokens (embedded run and tests). "
        "Leave empty in production and set AUTH_JWKS_URL.",
    )
    auth_jwks_url: str = Field(
        default="", description="Identity provider JWKS URL; when set, tokens are verified with its RS/ES keys."
    )
    auth_issuer: str = Field(default="openrcm-dev", description="Required `iss` claim.")
    auth_audience: str = Field(default="openrcm", description="Required `aud` claim.")
    run_migrations_on_startup: bool = Field(
        default=True, description="Apply Alembic migrations when the service starts."
    )
    log_level: str = Field(default="INFO", description="Root log level.")
