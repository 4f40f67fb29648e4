"""JWT verification: a local HS256 key (embedded run, tests) or the identity provider's JWKS."""

from __future__ import annotations

import time
from collections.abc import Iterable

import jwt
from jwt import PyJWKClient

from openrcm_shared.auth.principal import Principal
from openrcm_shared.problems import Unauthenticated

_ASYMMETRIC = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


class TokenVerifier:
    def __init__(self, *, secret: str = "", jwks_url: str = "", issuer: str, audience: str, leeway_seconds: int = 30):
        if not secret and not jwks_url:
            raise ValueError("set AUTH_JWKS_URL (production) or AUTH_JWT_SECRET (embedded/dev)")
        self._secret = secret
        self._jwks = PyJWKClient(jwks_url, cache_keys=True, lifespan=300) if jwks_url else None
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = _ASYMMETRIC
            else:
                key, algorithms = self._secret, ["HS256"]
            claims = jwt.decode(
                token, key, algorithms=algorithms, audience=self._audience, issuer=self._issuer,
                leeway=self._leeway, options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The bearer token has expired.") from None
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthenticated(f"The bearer token is not valid ({type(exc).__name__}).") from None
        roles, tenants = claims.get("roles", []), claims.get("tenants", [])
        if not isinstance(roles, list) or not isinstance(tenants, list):
            raise Unauthenticated("The bearer token's roles and tenants must be lists.")
        return Principal(subject=str(claims["sub"]), roles=frozenset(map(str, roles)), tenants=frozenset(map(str, tenants)))


def mint_token(
    *, secret: str, subject: str, roles: Iterable[str], tenants: Iterable[str], issuer: str = "openrcm-dev",
    audience: str = "openrcm", ttl_seconds: int = 8 * 3600,
) -> str:
    """A locally signed token for the embedded run and tests (never used in production)."""
    now = int(time.time())
    claims = {
        "sub": subject, "roles": sorted(set(roles)), "tenants": sorted(set(tenants)),
        "iss": issuer, "aud": audience, "iat": now, "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
