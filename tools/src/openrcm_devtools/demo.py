"""`make run`: the whole system on embedded defaults, with a demo day pushed through it.

Starts the memory-only tansu broker on a free port, the sandbox clearinghouse and payers
(openrcm_sandbox, with the demo contracts, a fixed seed and business date) and the four services as
local processes, each with its own SQLite file under var/. Then runs the demo day
(openrcm_devtools.demo_day): 51 encounters of two practices and three payers go from the EHR through
coding, claims, the sandbox's 999/277CA and two payment runs, denials reach coding and billing, a
coder's correction is paid as a replacement claim, a secondary claim is paid, statements go out and
a patient pays. It prints a revenue-cycle summary and keeps serving until Ctrl-C.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import signal
import sys
import threading
from pathlib import Path

from openrcm_devtools import demo_day
from openrcm_devtools.processes import REPO_ROOT, SERVICES, LocalBroker
from openrcm_devtools.stack import LocalStack
from openrcm_shared.auth.tokens import mint_token

TENANTS = tuple(practice.tenant_id for practice in demo_day.PRACTICES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / "var", help="SQLite files and logs (wiped first)")
    parser.add_argument("--no-serve", action="store_true", help="stop after the demo instead of serving until Ctrl-C")
    args = parser.parse_args(argv)

    workdir: Path = args.workdir
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "data").mkdir(parents=True)
    log_dir = workdir / "logs"
    secret = secrets.token_urlsafe(32)
    (workdir / "dev-jwt-secret").write_text(secret)

    api_key = secrets.token_urlsafe(24)
    (workdir / "sandbox-api-key").write_text(api_key)

    say(f"OpenRCM embedded run - data and logs in {workdir}")
    broker = LocalBroker(log_path=workdir / "broker.log")
    sandbox = demo_day.sandbox_process(workdir, api_key=api_key)
    stack: LocalStack | None = None
    try:
        broker.start()
        say(f"  broker     tansu (memory-only) on {broker.bootstrap_servers}")
        stack = LocalStack(
            database_urls={name: f"sqlite+aiosqlite:///{workdir / 'data' / name}.db" for name in SERVICES},
            broker=broker, jwt_secret=secret, log_dir=log_dir, sandbox=sandbox,
            # claims-svc batches READY claims every second and fetches the sandbox's 999/277CA answers
            extra_env={"KAFKA_SESSION_TIMEOUT_MS": "3000", "KAFKA_TOPIC_PARTITIONS": "3",
                       "BATCH_INTERVAL_SECONDS": "1"},
            service_env=demo_day.service_env(sandbox),
        )
        stack.start()
        stack.wait_ready()
        say(f"  sandbox              {sandbox.base_url}/docs   (log: {sandbox.log_path}; "
            f"835s in {sandbox.era_directory})")
        for name, process in stack.services.items():
            say(f"  {name:<20} {process.base_url}/docs   (log: {process.log_path})")

        def token_for(role: str, tenant: str) -> str:
            return mint_token(secret=secret, subject=f"demo-{role}", roles=[role], tenants=[tenant])

        sandbox_api = demo_day.Sandbox(sandbox.base_url, api_key)
        demo_day.DemoDay(stack, sandbox_api, token_for, say=say).run()
        say("")
        say(f"Tokens (valid 8 h) for tenants {', '.join(TENANTS)}; mint more with:")
        say(f"  .venv/bin/openrcm-token --secret $(cat {workdir / 'dev-jwt-secret'}) --tenant {TENANTS[0]} "
            "--role biller")
        say(f"  biller token ({TENANTS[0]}): {token_for('biller', TENANTS[0])}")
        say(f"  sandbox API key: {api_key}")
        if args.no_serve:
            return
        say("\nServing. Press Ctrl-C to stop every process this run started.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        say("Stopping the services, the sandbox and the broker...")
        if stack is not None:
            stack.stop()
        broker.stop()


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
