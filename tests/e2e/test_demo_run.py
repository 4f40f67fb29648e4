"""README command 1 on embedded defaults: SQLite file per service, local broker, demo data, clean exit."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_runs_on_sqlite_and_reports_every_service(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "openrcm_devtools.demo", "--workdir", str(tmp_path / "var"), "--no-serve"],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for expected in ("coding-svc", "claims-svc", "payments-svc", "patient-billing-svc", ": paid", ": denied",
                     "billing denial queue", "back in rework", "balance 20.00", "released by the coder",
                     "release refused (422)"):
        assert expected in out, f"missing {expected!r} in:\n{out}"
    for service in ("coding-svc", "claims-svc", "payments-svc", "patient-billing-svc"):
        assert (tmp_path / "var" / "data" / f"{service}.db").exists()
