"""Bearer-token authentication, roles and tenant selection for every endpoint."""

from openrcm_shared.auth.principal import Principal, Role
from openrcm_shared.auth.tokens import TokenVerifier, mint_token
from openrcm_shared.auth.fastapi import CurrentPrincipal, TenantContext, require_roles, get_token_verifier

__all__ = [
    "Principal", "Role", "TokenVerifier", "mint_token", "CurrentPrincipal", "TenantContext", "require_roles",
    "get_token_verifier",
]
