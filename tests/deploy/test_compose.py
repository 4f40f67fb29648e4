"""docker-compose.yml and the Dockerfiles describe the production shape; no Docker engine runs here,
so these tests parse them. The environment check reads each service's Settings model: every field
(upper-cased) must be set for that service in compose.

A service whose package is not installed yet is skipped via pytest.importorskip; once it exists the
checks apply to it in full.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
INIT_SQL = ROOT / "deploy" / "postgres" / "init-databases.sql"

#: compose service (= service dir and console script) -> Python package
SERVICES = {
    "coding-svc": "coding_svc",
    "claims-svc": "claims_svc",
    "payments-svc": "payments_svc",
    "patient-billing-svc": "patient_billing_svc",
}
INFRA = ("kafka", "postgres")


@pytest.fixture(scope="module")
def compose() -> dict:
    # safe_load resolves anchors and `<<` merge keys, as compose does.
    return yaml.safe_load(COMPOSE_FILE.read_text())


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "KEY=value" list form
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def created_databases() -> set[str]:
    sql = re.sub(r"--[^\n]*", "", INIT_SQL.read_text())
    return {m.lower() for m in re.findall(r'CREATE\s+DATABASE\s+"?(\w+)"?', sql, flags=re.IGNORECASE)}


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# --- Dockerfile parsing -------------------------------------------------------------------------

def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs; joins continuation lines, drops comments."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return instructions


def exec_form(args: str) -> list[str]:
    """CMD/ENTRYPOINT/HEALTHCHECK CMD arguments as a list (JSON exec form or shell form)."""
    args = args.strip()
    if args.startswith("["):
        return json.loads(args)
    return shlex.split(args)


def copy_sources(args: str) -> list[str]:
    parts = [p for p in (json.loads(args) if args.startswith("[") else shlex.split(args)) if not p.startswith("--")]
    return parts[:-1]


# --- infrastructure -----------------------------------------------------------------------------

def test_compose_has_every_service(compose):
    assert set(INFRA) | set(SERVICES) <= set(compose["services"])


def test_kafka_runs_in_kraft_mode_without_zookeeper(compose):
    services = compose["services"]
    assert not [name for name in services if "zookeeper" in name.lower()]
    kafka = services["kafka"]
    assert str(kafka["image"]).startswith("apache/kafka:")
    env = environment(kafka)
    assert "controller" in env["KAFKA_PROCESS_ROLES"].split(",")
    assert "broker" in env["KAFKA_PROCESS_ROLES"].split(",")
    assert "ZOOKEEPER" not in " ".join(env)
    assert env["KAFKA_NODE_ID"] in env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split("@")[0]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"].lower() == "false", "services create their own topics"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert kafka.get("healthcheck", {}).get("test")


def test_postgres_creates_the_databases_and_has_a_healthcheck(compose):
    postgres = compose["services"]["postgres"]
    assert str(postgres["image"]).startswith("postgres:16")
    mounts = [v for v in postgres.get("volumes", []) if isinstance(v, str)]
    init_mounts = [v for v in mounts if "/docker-entrypoint-initdb.d" in v]
    assert init_mounts, "init-databases.sql must be mounted into /docker-entrypoint-initdb.d"
    for mount in init_mounts:
        source = (ROOT / mount.split(":", 1)[0]).resolve()
        assert source == INIT_SQL.resolve()
    assert INIT_SQL.is_file()
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))


def test_every_service_has_its_own_database(compose):
    urls = {name: environment(compose["services"][name]).get("DATABASE_URL", "") for name in SERVICES}
    names = [database_name(url) for url in urls.values()]
    assert all(names) and len(set(names)) == len(names), f"databases must be distinct: {urls}"


# --- application services -----------------------------------------------------------------------

@pytest.mark.parametrize("svc", SERVICES)
def test_service_environment_covers_its_settings(compose, svc):
    pkg = SERVICES[svc]
    pytest.importorskip(pkg, reason=f"{pkg} not installed yet")
    settings_cls = importlib.import_module(f"{pkg}.config").Settings  # a broken config fails, not skips
    env = environment(compose["services"][svc])
    missing = sorted(name.upper() for name in settings_cls.model_fields if name.upper() not in env)
    assert not missing, f"{svc}: docker-compose.yml does not set {missing}"

    url = urlsplit(env["DATABASE_URL"])
    assert url.scheme == "postgresql+asyncpg"
    assert url.hostname == "postgres"
    assert database_name(env["DATABASE_URL"]) in created_databases(), (
        f"{svc}: database {database_name(env['DATABASE_URL'])!r} is not created in {INIT_SQL.relative_to(ROOT)}"
    )
    assert env["KAFKA_BOOTSTRAP_SERVERS"].split(",")[0].split(":")[0] == "kafka"
    advertised = environment(compose["services"]["kafka"])["KAFKA_ADVERTISED_LISTENERS"]
    for server in env["KAFKA_BOOTSTRAP_SERVERS"].split(","):
        assert f"//{server}" in advertised, f"{svc}: {server} is not an advertised Kafka listener"
    assert env["KAFKA_ENABLE_IDEMPOTENCE"].lower() == "true", "Apache Kafka supports the idempotent producer"
    assert env["AUTH_JWT_SECRET"] == "", "production verifies identity-provider tokens, not a shared secret"
    assert env["AUTH_JWKS_URL"], "production needs the identity provider's JWKS URL"


@pytest.mark.parametrize("svc", SERVICES)
def test_service_runtime_wiring(compose, svc):
    service = compose["services"][svc]
    depends = service.get("depends_on") or {}
    assert isinstance(depends, dict), f"{svc}: depends_on needs conditions"
    for infra in INFRA:
        assert depends.get(infra, {}).get("condition") == "service_healthy", f"{svc} must wait for healthy {infra}"
    assert service.get("restart") == "unless-stopped"
    assert any(str(p).endswith(":8000") for p in service.get("ports", [])), f"{svc}: no port mapped to 8000"
    assert "container_name" not in service, "a fixed container name prevents running replicas"


@pytest.mark.parametrize("svc", SERVICES)
def test_service_dockerfile(compose, svc):
    build = compose["services"][svc]["build"]
    context = (COMPOSE_FILE.parent / build.get("context", ".")).resolve()
    assert context == ROOT, f"{svc}: build context must be the repository root (shared/ is installed)"
    dockerfile = context / build["dockerfile"]
    assert dockerfile.is_file(), f"{svc}: {build['dockerfile']} does not exist"

    instructions = dockerfile_instructions(dockerfile)
    by_kind: dict[str, list[str]] = {}
    for keyword, args in instructions:
        by_kind.setdefault(keyword, []).append(args)

    assert by_kind["FROM"][0].startswith("python:3.11-slim")

    cmd = exec_form(by_kind["CMD"][-1])
    assert cmd[:2] == [svc, "serve"], f"{svc}: CMD must run `{svc} serve`, got {cmd}"
    assert "ENTRYPOINT" not in by_kind

    users = by_kind.get("USER", [])
    assert users and users[-1].split(":")[0] not in {"root", "0"}, f"{svc}: must run as a non-root user"

    healthchecks = by_kind.get("HEALTHCHECK", [])
    assert healthchecks and healthchecks[-1].strip().upper() != "NONE"
    assert "/health/live" in healthchecks[-1]
    assert "8000" in by_kind.get("EXPOSE", [""])[0]

    for args in by_kind.get("COPY", []) + by_kind.get("ADD", []):
        if "--from" in args:
            continue
        for source in copy_sources(args):
            assert (context / source).exists(), f"{svc}: COPY source {source} does not exist"

    install = " ".join(by_kind.get("RUN", []))
    assert "/app/shared" in install and f"-e /app/services/{svc}" in install


@pytest.mark.parametrize("svc", SERVICES)
def test_service_command_and_layout_match_the_image(svc):
    """The image's CMD resolves (console script) and migrations/ sits at the service root."""
    pkg = SERVICES[svc]
    pytest.importorskip(pkg, reason=f"{pkg} not installed yet")
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get(svc, "").startswith(f"{pkg}."), f"no `{svc}` console script from {pkg}"
    service_dir = ROOT / "services" / svc
    assert (service_dir / "pyproject.toml").is_file()
    assert (service_dir / "migrations").is_dir(), "the code resolves migrations/ beside src/"
    assert (service_dir / "src" / pkg / "config.py").is_file()


def test_dockerignore_keeps_local_state_out_of_the_context():
    patterns = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in (".venv", "var", "__pycache__", "*.db"):
        assert needed in patterns or f"**/{needed}" in patterns, needed
    assert ".git" in patterns


def test_shared_service_environment_is_an_anchor(compose):
    assert "x-service-env" in compose
    common = compose["x-service-env"]
    for svc in SERVICES:
        env = environment(compose["services"][svc])
        assert all(env.get(k) == ("" if v is None else str(v)) for k, v in common.items())
