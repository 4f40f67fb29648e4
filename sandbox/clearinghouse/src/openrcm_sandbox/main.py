"""``openrcm-sandbox`` / ``python -m openrcm_sandbox``: the sandbox clearinghouse as its own process.

    openrcm-sandbox --config contracts.yaml --era-directory /data/era [--drop-directory /data/drop]
                    [--host 127.0.0.1] [--port 8900] [--seed N] [--business-date YYYY-MM-DD]
                    [--payment-run-interval SECONDS] [--api-key KEY]

Logs are JSON lines with ids, codes and counts only (no names, member ids or dates of birth).
The api key can also come from the SANDBOX_API_KEY environment variable, so it stays out of `ps`.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import uvicorn

from openrcm_sandbox.application.clearinghouse import Sandbox
from openrcm_sandbox.domain.contracts import ContractError, load_contracts
from openrcm_sandbox.entrypoints.api import create_app
from openrcm_shared.observability import configure_logging

DEFAULT_PORT = 8900
log = logging.getLogger("openrcm_sandbox")


REAL_DATE = "today"  # --business-date today: the real date, whatever the contract file fixes


def _business_date(text: str) -> date | str:
    if text == REAL_DATE:
        return REAL_DATE
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a date YYYY-MM-DD, or 'today'") from None


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError("0 or more seconds (0: payment runs only on request)")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="openrcm-sandbox", description=(
        "OpenRCM sandbox clearinghouse and payers: takes 837P files (HTTP or file drop), answers 999 and "
        "277CA, adjudicates by payer contracts and writes 835 files. State is in memory."))
    p.add_argument("--config", type=Path, required=True, help="payer contracts (YAML; see the sandbox README)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--drop-directory", type=Path, default=None,
                   help="file-drop root: <dir>/outbound/<tenant>/ in, <dir>/inbound/<tenant>/ out")
    p.add_argument("--era-directory", type=Path, required=True, help="835 files go to <dir>/<tenant>/")
    p.add_argument("--seed", type=int, default=None, help="overrides the contract file's seed")
    p.add_argument("--business-date", type=_business_date, default=None,
                   help="the sandbox's today (YYYY-MM-DD, or 'today' for the real date); overrides the contract "
                        "file; default: the contract file's, else the real date")
    p.add_argument("--payment-run-interval", type=_non_negative, default=0.0,
                   help="seconds between payment runs; 0 = only on POST /payment-runs")
    p.add_argument("--drop-poll-interval", type=_non_negative, default=1.0, help="seconds between drop scans")
    p.add_argument("--api-key", default=os.environ.get("SANDBOX_API_KEY", ""),
                   help="require Authorization: Bearer <key> (default: $SANDBOX_API_KEY; empty: no auth)")
    p.add_argument("--log-level", default="INFO")
    return p


def build(args: argparse.Namespace):  # noqa: ANN201 - (Sandbox, FastAPI)
    config = load_contracts(args.config)
    business_date = args.business_date
    if business_date == REAL_DATE:
        config, business_date = dataclasses.replace(config, business_date=None), None
    sandbox = Sandbox(config, era_directory=args.era_directory, drop_directory=args.drop_directory,
                      seed=args.seed, business_date=business_date)
    app = create_app(sandbox, api_key=args.api_key, drop_poll_seconds=args.drop_poll_interval or 1.0,
                     payment_run_seconds=args.payment_run_interval)
    return sandbox, app


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        sandbox, app = build(args)
    except ContractError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    configure_logging("openrcm-sandbox", args.log_level)
    log.info("sandbox starting", extra={
        "host": args.host, "port": args.port, "payers": len(sandbox.config.payers), "seed": sandbox.seed,
        "business_date": sandbox.business_date().isoformat(), "file_drop": args.drop_directory is not None,
        "payment_run_interval": args.payment_run_interval, "auth": bool(args.api_key)})
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
