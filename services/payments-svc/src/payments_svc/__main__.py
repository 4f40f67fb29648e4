"""payments-svc command line: ``payments-svc migrate`` applies migrations; ``payments-svc serve`` runs the service."""

from payments_svc.config import get_settings
from payments_svc.main import MIGRATIONS_DIR
from openrcm_shared.cli import service_main


def main() -> None:
    service_main(
        prog="payments-svc", app_factory="payments_svc.main:create_app", migrations_dir=MIGRATIONS_DIR,
        get_settings=get_settings,
    )


if __name__ == "__main__":
    main()
