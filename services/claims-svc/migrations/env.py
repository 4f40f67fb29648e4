from claims_svc.adapters.orm import metadata
from openrcm_shared.db import platform_metadata
from openrcm_shared.migrations import run_env

run_env([metadata, platform_metadata], lock_name="claims-svc-migrations")
