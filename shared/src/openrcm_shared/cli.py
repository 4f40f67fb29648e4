"""The command line every service exposes: ``<service> migrate`` and ``<service> serve``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from openrcm_shared.migrations import upgrade_to_head
from openrcm_shared.settings import ServiceSettings


def service_main(
    *, prog: str, app_factory: str, migrations_dir: Path, get_settings: Callable[[], ServiceSettings],
    argv: list[str] | None = None,
) -> None:
    """``app_factory`` is the import path of the service's ``create_app``, e.g. ``coding_svc.main:create_app``."""
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations and exit")
    serve = sub.add_parser("serve", help="run the HTTP API, outbox relay and consumer")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    if args.command == "migrate":
        upgrade_to_head(migrations_dir, get_settings().database_url)
    else:
        import uvicorn

        uvicorn.run(app_factory, factory=True, host=args.host, port=args.port, access_log=False)
