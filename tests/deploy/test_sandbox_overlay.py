"""deploy/sandbox.compose.yml (staging: the sandbox in place of a clearinghouse) wires claims-svc and
payments-svc to the sandbox the way the embedded run does. Parsed, not run: no Docker engine here."""

from __future__ import annotations

import json

import pytest
import yaml

from openrcm_sandbox.main import parser

from .test_compose import ROOT, dockerfile_instructions, environment, exec_form

OVERLAY = ROOT / "deploy" / "sandbox.compose.yml"


@pytest.fixture(scope="module")
def overlay() -> dict:
    return yaml.safe_load(OVERLAY.read_text())


@pytest.fixture(scope="module")
def base() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _mounts(service: dict) -> dict[str, str]:
    """Container path -> volume name or host path."""
    return {volume.split(":")[1]: volume.split(":")[0] for volume in service.get("volumes", [])}


def test_the_sandbox_image_builds_from_the_repository_and_its_command_parses(overlay):
    sandbox = overlay["services"]["sandbox"]
    assert sandbox["build"]["context"] == "."  # overlay paths resolve against the first file's directory
    dockerfile = ROOT / sandbox["build"]["dockerfile"]
    by_kind: dict[str, list[str]] = {}
    for keyword, args in dockerfile_instructions(dockerfile):
        by_kind.setdefault(keyword, []).append(args)
    assert by_kind["USER"][-1] not in {"root", "0"} and "/health" in by_kind["HEALTHCHECK"][-1]
    for command in (exec_form(by_kind["CMD"][-1]), sandbox["command"]):
        assert command[0] == "openrcm-sandbox"
        args = parser().parse_args(command[1:])
        assert args.port == 8000 and args.host == "0.0.0.0"
    sources = _mounts(sandbox)
    assert (ROOT / sources[str(parser().parse_args(sandbox["command"][1:]).config)]).is_file()


def test_claims_svc_sends_to_the_sandbox_and_payments_svc_reads_its_835s(overlay, base):
    services = overlay["services"]
    sandbox_args = parser().parse_args(services["sandbox"]["command"][1:])
    sandbox_volumes = _mounts(services["sandbox"])

    connections = json.loads(environment(services["claims-svc"])["CLEARINGHOUSES"])
    (connection,) = connections.values()
    assert connection["adapter"] == "http" and connection["url"] == f"http://sandbox:{sandbox_args.port}"
    assert connection["api_key"] == "${SANDBOX_API_KEY}"
    assert "SANDBOX_API_KEY" in environment(services["sandbox"])["SANDBOX_API_KEY"]

    era = environment(services["payments-svc"])["ERA_DROP_DIRECTORY"]
    payments_volumes = _mounts(services["payments-svc"])
    assert era in payments_volumes and str(sandbox_args.era_directory) in sandbox_volumes
    assert payments_volumes[era] == sandbox_volumes[str(sandbox_args.era_directory)], "one volume, two views"
    assert payments_volumes[era] in overlay["volumes"]
    # The overlay only adds to services the base file defines.
    assert set(services) - {"sandbox"} <= set(base["services"])
