"""Production path: tokens signed by the identity provider, keys fetched from its JWKS URL."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from openrcm_shared.auth import TokenVerifier
from openrcm_shared.problems import Unauthenticated


@pytest.fixture(scope="module")
def identity_provider():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": "k1", "use": "sig", "alg": "RS256"}
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # silence
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield key, f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


def _claims(**extra):  # type: ignore[no-untyped-def]
    return {"sub": "svc-epic", "roles": ["ehr_integration"], "tenants": ["t1"], "iss": "https://idp.example",
            "aud": "openrcm", "exp": int(time.time()) + 60} | extra


def test_token_signed_by_the_identity_provider_is_accepted(identity_provider):
    key, url = identity_provider
    verifier = TokenVerifier(jwks_url=url, issuer="https://idp.example", audience="openrcm")
    token = jwt.encode(_claims(), key, algorithm="RS256", headers={"kid": "k1"})
    principal = verifier.verify(token)
    assert principal.subject == "svc-epic" and principal.tenants == {"t1"}


def test_hs256_token_is_refused_when_jwks_is_configured(identity_provider):
    _, url = identity_provider
    verifier = TokenVerifier(jwks_url=url, issuer="https://idp.example", audience="openrcm")
    forged = jwt.encode(_claims(), "guessable-secret-0123456789abcdef01", algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(Unauthenticated):
        verifier.verify(forged)
