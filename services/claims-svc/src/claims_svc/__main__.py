"""claims-svc command line: ``claims-svc migrate`` applies migrations; ``claims-svc serve`` runs the service."""

from claims_svc.config import get_settings
from claims_svc.main import MIGRATIONS_DIR
from openrcm_shared.cli import service_main


def main() -> None:
    service_main(prog="claims-svc", app_factory="claims_svc.main:create_app", migrations_dir=MIGRATIONS_DIR, get_settings=get_settings)


if __name__ == "__main__":
    main()
