"""Mint a development token for the embedded run.

    openrcm-token --secret "$AUTH_JWT_SECRET" --tenant clinic-a --role biller --role coder
"""

from __future__ import annotations

import argparse
import os

from openrcm_shared.auth.principal import Role
from openrcm_shared.auth.tokens import mint_token


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mint a locally signed OpenRCM bearer token (development only).")
    parser.add_argument("--secret", default=os.environ.get("AUTH_JWT_SECRET", ""), help="HS256 key (default: $AUTH_JWT_SECRET)")
    parser.add_argument("--subject", default="dev-user")
    parser.add_argument("--tenant", action="append", required=True, dest="tenants")
    parser.add_argument("--role", action="append", required=True, dest="roles", choices=[r.value for r in Role])
    parser.add_argument("--issuer", default=os.environ.get("AUTH_ISSUER", "openrcm-dev"))
    parser.add_argument("--audience", default=os.environ.get("AUTH_AUDIENCE", "openrcm"))
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds")
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("no secret: pass --secret or set AUTH_JWT_SECRET")
    print(mint_token(secret=args.secret, subject=args.subject, roles=args.roles, tenants=args.tenants,
                     issuer=args.issuer, audience=args.audience, ttl_seconds=args.ttl))


if __name__ == "__main__":
    main()
