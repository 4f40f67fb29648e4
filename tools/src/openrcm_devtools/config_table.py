"""Print the README's configuration table from the services' Settings classes.

    .venv/bin/python -m openrcm_devtools.config_table

A test checks that README.md holds exactly this table, so the docs cannot drift from the code.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from openrcm_devtools.processes import SERVICES


def settings_fields() -> dict[str, tuple[str, str, list[str]]]:
    """ENV_NAME -> (default, meaning, services that read it)."""
    table: dict[str, tuple[str, str, list[str]]] = {}
    for service, package in SERVICES.items():
        settings = importlib.import_module(f"{package}.config").Settings
        for name, field in settings.model_fields.items():
            env = name.upper()
            default = "" if field.is_required() else str(field.get_default(call_default_factory=True))
            if env == "DATABASE_URL":  # each service has its own default file and description
                default = "sqlite+aiosqlite:///./var/<service>.db"
                meaning = "The service's own database: a SQLite file embedded, PostgreSQL (postgresql+asyncpg://...) in production."
                table[env] = (default, meaning, (table[env][2] if env in table else []) + [service])
                continue
            meaning = " ".join((field.description or "").split())
            known = table.get(env)
            table[env] = (default, meaning, (known[2] if known else []) + [service])
    return table


def render() -> str:
    lines = ["| variable | default | meaning | read by |", "|---|---|---|---|"]
    every = set(SERVICES)
    for env, (default, meaning, services) in settings_fields().items():
        readers = "all services" if set(services) == every else ", ".join(services)
        lines.append(f"| `{env}` | `{default}` | {meaning} | {readers} |" if default else f"| `{env}` | (empty) | {meaning} | {readers} |")
    return "\n".join(lines)


START, END = "<!-- config-table:start -->\n", "\n<!-- config-table:end -->"


def write_readme(readme: Path) -> None:
    """Replace the table between the README's markers with the current one."""
    text = readme.read_text()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + START + render() + END + tail)


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write_readme(Path(__file__).resolve().parents[3] / "README.md")
    else:
        print(render())
