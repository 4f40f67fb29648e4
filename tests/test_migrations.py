"""Every service's `<service> migrate` builds its schema on PostgreSQL, and the migrations match its models."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from openrcm_devtools.processes import SERVICES
from openrcm_shared.migrations import alembic_config


@pytest.mark.parametrize("service", list(SERVICES))
def test_migrate_command_then_models_and_migrations_agree(service, postgres_url):
    package = SERVICES[service]
    pytest.importorskip(package)
    console = Path(sys.executable).with_name(service)
    result = subprocess.run([str(console), "migrate"], env={**os.environ, "DATABASE_URL": postgres_url},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    migrations_dir = importlib.import_module(f"{package}.main").MIGRATIONS_DIR
    # Raises if autogenerate would produce a new migration: a model changed without one.
    command.check(alembic_config(migrations_dir, postgres_url))
