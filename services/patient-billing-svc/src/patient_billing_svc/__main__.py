"""patient-billing-svc command line: ``migrate`` applies migrations; ``serve`` runs the API."""

from __future__ import annotations

import argparse

from openrcm_shared.migrations import upgrade_to_head
from patient_billing_svc.config import get_settings
from patient_billing_svc.main import MIGRATIONS_DIR


def main() -> None:
    parser = argparse.ArgumentParser(prog="patient-billing-svc")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations and exit")
    serve = sub.add_parser("serve", help="run the HTTP API, outbox relay and consumer")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    if args.command == "migrate":
        upgrade_to_head(MIGRATIONS_DIR, get_settings().database_url)
    else:
        import uvicorn

        uvicorn.run("patient_billing_svc.main:create_app", factory=True, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
