"""FastAPI dependencies: ``CurrentPrincipal`` and ``require_roles(...)``.

The tenant of a request comes from the token: a token for one tenant acts for it; a token holding
several (an outsourcing vendor's staff) must pick one of them with ``X-Tenant-ID``. A tenant the
token does not hold is refused (403) whatever the header says.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from openrcm_shared.auth.principal import Principal, Role, TenantContext
from openrcm_shared.auth.tokens import TokenVerifier
from openrcm_shared.problems import Forbidden, InvalidInput, Unauthenticated

_bearer = HTTPBearer(auto_error=False)


async def get_token_verifier(request: Request) -> TokenVerifier:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, a thread hop on every request.
    return request.app.state.token_verifier


async def _principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    verifier: Annotated[TokenVerifier, Depends(get_token_verifier)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("Send a bearer token in the Authorization header.")
    return verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(_principal)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """Dependency admitting principals that hold any of ``roles`` (or vendor_admin) for the tenant."""
    admitted = frozenset(r.value for r in roles) | {Role.VENDOR_ADMIN.value}

    async def dependency(
        principal: CurrentPrincipal,
        x_tenant_id: Annotated[str | None, Header(description="Required when the token holds several tenants.")] = None,
    ) -> TenantContext:
        if not principal.has_any_role(admitted):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(admitted))}.")
        if x_tenant_id is not None:
            if x_tenant_id not in principal.tenants:
                raise Forbidden("The token does not grant access to that tenant.")
            return TenantContext(principal, x_tenant_id)
        if len(principal.tenants) == 1:
            return TenantContext(principal, next(iter(principal.tenants)))
        if not principal.tenants:
            raise Forbidden("The token grants no tenant.")
        raise InvalidInput(
            "The token holds several tenants: choose one with the X-Tenant-ID header.",
            errors=[{"pointer": "/X-Tenant-ID", "location": "header", "message": "required for multi-tenant tokens", "code": "missing"}],
        )

    return dependency
