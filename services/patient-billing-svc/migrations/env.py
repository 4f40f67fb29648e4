from openrcm_shared.db import platform_metadata
from openrcm_shared.migrations import run_env
from patient_billing_svc.adapters.orm import metadata

run_env([metadata, platform_metadata], lock_name="patient-billing-svc-migrations")
