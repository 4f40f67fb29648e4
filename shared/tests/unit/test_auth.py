"""Tokens, roles and tenant selection through a tiny app with the shared dependencies."""

from typing import Annotated

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI

from openrcm_shared.auth import Role, TenantContext, TokenVerifier, mint_token, require_roles
from openrcm_shared.problems import install_problem_handlers

SECRET = "unit-secret-0123456789abcdef0123456789"


def _app() -> FastAPI:
    app = FastAPI()
    app.state.token_verifier = TokenVerifier(secret=SECRET, issuer="openrcm-dev", audience="openrcm")
    install_problem_handlers(app)

    @app.get("/thing")
    async def thing(ctx: Annotated[TenantContext, Depends(require_roles(Role.BILLER))]) -> dict[str, str]:
        return {"tenant": ctx.tenant_id, "actor": ctx.actor}

    return app


async def _get(headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        return await client.get("/thing", headers=headers)


def _bearer(**kwargs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": "Bearer " + mint_token(secret=SECRET, subject="u1", **kwargs)}


async def test_missing_token_is_401_problem():
    response = await _get({})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_token_signed_with_another_key_is_401():
    token = mint_token(secret="another-secret-0123456789abcdef012345", subject="u", roles=["biller"], tenants=["a"])
    assert (await _get({"Authorization": f"Bearer {token}"})).status_code == 401


async def test_expired_token_is_401():
    token = mint_token(secret=SECRET, subject="u", roles=["biller"], tenants=["a"], ttl_seconds=-120)
    response = await _get({"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and "expired" in response.json()["detail"]


async def test_wrong_role_is_403():
    assert (await _get(_bearer(roles=["coder"], tenants=["a"]))).status_code == 403


async def test_single_tenant_token_acts_for_its_tenant():
    response = await _get(_bearer(roles=["biller"], tenants=["a"]))
    assert response.json() == {"tenant": "a", "actor": "u1"}


async def test_tenant_header_can_only_pick_a_tenant_the_token_holds():
    headers = _bearer(roles=["biller"], tenants=["a", "b"])
    assert (await _get(headers)).status_code == 422  # must choose
    assert (await _get(headers | {"X-Tenant-ID": "b"})).json()["tenant"] == "b"
    assert (await _get(headers | {"X-Tenant-ID": "c"})).status_code == 403
    single = _bearer(roles=["biller"], tenants=["a"])
    assert (await _get(single | {"X-Tenant-ID": "b"})).status_code == 403


async def test_vendor_admin_is_admitted_everywhere():
    assert (await _get(_bearer(roles=["vendor_admin"], tenants=["a"]))).status_code == 200


def test_verifier_needs_a_key_source():
    with pytest.raises(ValueError):
        TokenVerifier(issuer="i", audience="a")


def test_token_for_another_audience_is_rejected():
    token = jwt.encode({"sub": "u", "roles": [], "tenants": [], "iss": "openrcm-dev", "aud": "other", "exp": 9999999999},
                       SECRET, algorithm="HS256")
    verifier = TokenVerifier(secret=SECRET, issuer="openrcm-dev", audience="openrcm")
    with pytest.raises(Exception):
        verifier.verify(token)
