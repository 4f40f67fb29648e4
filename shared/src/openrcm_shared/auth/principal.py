from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    EHR_INTEGRATION = "ehr_integration"
    CODER = "coder"
    CODING_AUDITOR = "coding_auditor"
    BILLER = "biller"
    PAYMENT_POSTER = "payment_poster"
    PATIENT_ACCOUNTS = "patient_accounts"
    PRACTICE_ADMIN = "practice_admin"
    VENDOR_ADMIN = "vendor_admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: from a verified token, never from the request body."""

    subject: str
    roles: frozenset[str]
    tenants: frozenset[str]

    def has_any_role(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)


@dataclass(frozen=True)
class TenantContext:
    """A principal acting for one tenant: the tenant every query of the request is scoped to."""

    principal: Principal
    tenant_id: str

    @property
    def actor(self) -> str:
        return self.principal.subject
