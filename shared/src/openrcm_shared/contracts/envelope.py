"""The event envelope and the contract base class.

Wire format: JSON of ``EventEnvelope``; ``payload`` is the contract's JSON. Topic
``<domain>.<event-name>.v<N>``; key ``<tenant_id>:<aggregate id>`` so one aggregate's events
stay ordered on one partition.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from openrcm_shared.observability import current_correlation_id


class EventContract(BaseModel):
    """Base of every event payload: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    event_version: ClassVar[int]
    domain: ClassVar[str]
    topic_name: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_type" in cls.__dict__:
            _REGISTRY[(cls.event_type, cls.event_version)] = cls

    @classmethod
    def topic(cls) -> str:
        return f"{cls.domain}.{cls.topic_name}.v{cls.event_version}"

    def aggregate_id(self) -> str:  # pragma: no cover - each contract overrides
        raise NotImplementedError


C = TypeVar("C", bound=EventContract)
_REGISTRY: dict[tuple[str, int], type[EventContract]] = {}


def event_contracts() -> list[type[EventContract]]:
    return sorted(_REGISTRY.values(), key=lambda c: (c.event_type, c.event_version))


def contract_for(event_type: str, event_version: int) -> type[EventContract] | None:
    return _REGISTRY.get((event_type, event_version))


class EventEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    event_type: str = Field(min_length=1, max_length=120)
    event_version: int = Field(ge=1)
    tenant_id: str = Field(min_length=1, max_length=64)
    occurred_at: datetime
    correlation_id: str = Field(min_length=1, max_length=128)
    causation_id: str | None = Field(default=None, max_length=128)
    producer: str = Field(min_length=1, max_length=60)
    payload: dict[str, Any]
    # Known when we built the envelope from the event; otherwise derived from the payload on demand.
    _aggregate_id: str | None = PrivateAttr(default=None)

    @classmethod
    def wrap(
        cls,
        event: EventContract,
        *,
        tenant_id: str,
        producer: str,
        causation_id: str | None = None,
        correlation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> "EventEnvelope":
        envelope = cls(
            event_id=uuid.uuid4(),
            event_type=event.event_type,
            event_version=event.event_version,
            tenant_id=tenant_id,
            occurred_at=occurred_at or datetime.now(timezone.utc),
            correlation_id=correlation_id or current_correlation_id(),
            causation_id=causation_id,
            producer=producer,
            payload=event.model_dump(mode="json"),
        )
        envelope._aggregate_id = event.aggregate_id()
        return envelope

    @property
    def contract(self) -> type[EventContract]:
        found = contract_for(self.event_type, self.event_version)
        if found is None:
            raise ValueError(f"unknown event {self.event_type} v{self.event_version}")
        return found

    @property
    def topic(self) -> str:
        return self.contract.topic()

    @property
    def message_key(self) -> str:
        aggregate_id = self._aggregate_id if self._aggregate_id is not None else self.event().aggregate_id()
        return f"{self.tenant_id}:{aggregate_id}"

    def event(self) -> EventContract:
        return self.contract.model_validate(self.payload)

    def payload_as(self, contract: type[C]) -> C:
        if (contract.event_type, contract.event_version) != (self.event_type, self.event_version):
            raise ValueError(f"envelope holds {self.event_type} v{self.event_version}, not {contract.event_type}")
        return contract.model_validate(self.payload)
