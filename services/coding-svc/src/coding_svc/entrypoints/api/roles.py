"""Who may call the coding workflow endpoints (``vendor_admin`` is always admitted, see require_roles)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from openrcm_shared.auth import Role, TenantContext, require_roles

#: Works the queue: claims, drafts, releases, asks and withdraws queries.
Coder = Annotated[TenantContext, Depends(require_roles(Role.CODER))]
#: Reads the queues, the edits and the policy.
CodingReader = Annotated[TenantContext, Depends(require_roles(Role.CODER, Role.CODING_AUDITOR, Role.PRACTICE_ADMIN))]
#: Sets the tenant's coding policy.
PracticeAdmin = Annotated[TenantContext, Depends(require_roles(Role.PRACTICE_ADMIN))]
#: Answers physician queries: the provider answers through the EHR, or a practice admin for them.
QueryAnswerer = Annotated[TenantContext, Depends(require_roles(Role.EHR_INTEGRATION, Role.PRACTICE_ADMIN))]
#: Reads physician queries (the EHR fetches the open ones to show its providers).
QueryReader = Annotated[
    TenantContext,
    Depends(require_roles(Role.CODER, Role.CODING_AUDITOR, Role.PRACTICE_ADMIN, Role.EHR_INTEGRATION)),
]
