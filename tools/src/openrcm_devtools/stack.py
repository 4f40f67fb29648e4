"""The four services as local processes on one broker: used by `make run` and the end-to-end tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import httpx

from openrcm_devtools.processes import SERVICES, LocalBroker, SandboxProcess, ServiceProcess

T = TypeVar("T")


def wait_until(probe: Callable[[], T | None], *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition") -> T:
    """Poll ``probe`` until it returns something truthy; its value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        time.sleep(interval)


class LocalStack:
    def __init__(
        self,
        *,
        database_urls: Mapping[str, str],
        broker: LocalBroker,
        jwt_secret: str,
        log_dir: Path,
        extra_env: Mapping[str, str] | None = None,
        service_env: Mapping[str, Mapping[str, str]] | None = None,
        sandbox: SandboxProcess | None = None,
    ) -> None:
        """``extra_env`` goes to every service, ``service_env`` to the one it names (it wins); ``sandbox``, the
        sandbox clearinghouse, starts before the services and stops after them."""
        log_dir.mkdir(parents=True, exist_ok=True)
        self.broker = broker
        self.sandbox = sandbox
        if sandbox is not None and sandbox.log_path is None:
            sandbox.log_path = log_dir / "sandbox.log"
        self.services: dict[str, ServiceProcess] = {}
        for name in SERVICES:
            env = {
                "DATABASE_URL": database_urls[name],
                "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
                "AUTH_JWT_SECRET": jwt_secret,
                **(extra_env or {}),
                **((service_env or {}).get(name) or {}),
            }
            self.services[name] = ServiceProcess(name=name, env=env, log_path=log_dir / f"{name}.log")

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self, names: Iterable[str] | None = None) -> "LocalStack":
        chosen = list(names or self.services)
        if self.sandbox is not None and self.sandbox.process is None:
            self.sandbox.start()
            self.sandbox.wait_live()
        for name in chosen:
            self.services[name].start()
        for name in chosen:
            self.services[name].wait_live()
        return self

    def readiness(self, name: str) -> dict:
        response = httpx.get(f"{self.services[name].base_url}/health/ready", timeout=5)
        return response.json()

    def wait_ready(self, timeout: float = 60.0) -> None:
        for name in self.services:
            wait_until(lambda n=name: self.readiness(n).get("status") == "ready", timeout=timeout, what=f"{name} ready")

    def restart(self, name: str) -> None:
        process = self.services[name]
        process.stop()
        process.start()
        process.wait_live()

    def stop(self) -> None:
        for process in self.services.values():
            process.stop()
        if self.sandbox is not None:
            self.sandbox.stop()

    def client(self, name: str, token: str, tenant: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"}
        if tenant:
            headers["X-Tenant-ID"] = tenant
        return httpx.Client(base_url=self.services[name].base_url, headers=headers, timeout=30)
