"""README command 1 on embedded defaults: SQLite file per service, local broker, the sandbox
clearinghouse, the demo day pushed through, a revenue-cycle summary and a clean exit."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_runs_the_demo_day_on_sqlite_and_prints_the_summary(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "openrcm_devtools.demo", "--workdir", str(tmp_path / "var"), "--no-serve"],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    for expected in (
        "coding-svc", "claims-svc", "payments-svc", "patient-billing-svc", "sandbox",
        "277CA rejected B22", "the subscriber and subscriber id were not found",
        "835 from SBXPPO ACH 904.00", "835 from SBXMCR ACH 750.40", "835 from SBXMCD ACH 644.00",
        "billing queue: CO-197", "billing queue: CO-27", "billing queue: CO-29", "coding rework: encounter",
        "released: revision 2", "frequency 7", "secondary claim", "835 from SBXPPO ACH 75.40",
        ": 22 statement(s) issued", ": 12 statement(s) issued",
        "A13 pays 86.00 by card: balance now 0.00",
        "Revenue-cycle summary", "claims submitted 53, accepted 52, rejected 1",
        "claims paid 47: 3153.80 from the payers",
        "denied: coding 3 (rework), billing 4", "springfield-fp: patient balances 715.20",
        "riverside-ch: patient balances 555.00", "patient payments received 86.00",
    ):
        assert expected in out, f"missing {expected!r} in:\n{out}"
    for service in ("coding-svc", "claims-svc", "payments-svc", "patient-billing-svc"):
        assert (tmp_path / "var" / "data" / f"{service}.db").exists()
    # payments-svc took every 835 the sandbox dropped (5: two payers per tenant, then the second run)
    assert len(list((tmp_path / "var" / "era").glob("*/processed/*.835"))) == 5
