"""patient-billing-svc command line: ``patient-billing-svc migrate`` applies migrations; ``patient-billing-svc serve`` runs the service."""

from patient_billing_svc.config import get_settings
from patient_billing_svc.main import MIGRATIONS_DIR
from openrcm_shared.cli import service_main


def main() -> None:
    service_main(prog="patient-billing-svc", app_factory="patient_billing_svc.main:create_app", migrations_dir=MIGRATIONS_DIR, get_settings=get_settings)


if __name__ == "__main__":
    main()
