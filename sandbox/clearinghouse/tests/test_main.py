"""The command line: ``python -m openrcm_sandbox`` serves the API; bad arguments and contracts are refused."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from datetime import date, datetime, timezone

import pytest

from openrcm_sandbox.main import build, main, parser

EXAMPLE = Path(__file__).parents[1] / "src/openrcm_sandbox/examples/example.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_process_serves_health_and_logs_json_without_content(tmp_path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "openrcm_sandbox", "--config", str(EXAMPLE), "--era-directory", str(tmp_path / "era"),
         "--drop-directory", str(tmp_path / "drop"), "--port", str(port), "--seed", "7", "--business-date",
         "2026-12-02", "--api-key", "k"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        answer = None
        for _ in range(300):  # up to 30 s for the interpreter and uvicorn to come up
            if process.poll() is not None:
                break
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None and answer.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/claims", timeout=5).status_code == 401
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    started = [json.loads(line) for line in output.splitlines() if line.startswith("{") and "sandbox starting" in line]
    assert started and started[0]["seed"] == 7 and started[0]["business_date"] == "2026-12-02"
    assert started[0]["auth"] is True and "k" not in started[0].values()


def test_command_line_overrides_the_contract_file(tmp_path) -> None:
    args = parser().parse_args(["--config", str(EXAMPLE), "--era-directory", str(tmp_path), "--seed", "99",
                                "--business-date", "2027-01-04", "--payment-run-interval", "30"])
    sandbox, app = build(args)
    assert sandbox.seed == 99 and sandbox.business_date().isoformat() == "2027-01-04"
    defaults, _ = build(parser().parse_args(["--config", str(EXAMPLE), "--era-directory", str(tmp_path)]))
    assert defaults.seed == 20261205 and defaults.business_date().isoformat() == "2026-12-01"
    real, _ = build(parser().parse_args(["--config", str(EXAMPLE), "--era-directory", str(tmp_path),
                                         "--business-date", "today"]))
    assert real.business_date() == datetime.now(timezone.utc).date() or real.business_date() == date.today()


@pytest.mark.parametrize("argv", [
    [],  # --config and --era-directory are required
    ["--config", "x.yaml", "--era-directory", "e", "--business-date", "2026-13-01"],
    ["--config", "x.yaml", "--era-directory", "e", "--payment-run-interval", "-1"],
])
def test_bad_arguments_exit_2(argv) -> None:
    with pytest.raises(SystemExit) as exited:
        parser().parse_args(argv)
    assert exited.value.code == 2


def test_a_broken_contract_file_lists_its_errors_and_exits_2(tmp_path, capsys) -> None:
    contracts = tmp_path / "bad.yaml"
    contracts.write_text("payers:\n  - payer_id: X\n    timely_filing_days: zero\n")
    assert main(["--config", str(contracts), "--era-directory", str(tmp_path)]) == 2
    assert "timely_filing_days" in capsys.readouterr().err
