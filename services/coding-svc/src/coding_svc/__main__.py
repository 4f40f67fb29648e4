"""coding-svc command line: ``coding-svc migrate`` applies migrations; ``coding-svc serve`` runs the service."""

from coding_svc.config import get_settings
from coding_svc.main import MIGRATIONS_DIR
from openrcm_shared.cli import service_main


def main() -> None:
    service_main(prog="coding-svc", app_factory="coding_svc.main:create_app", migrations_dir=MIGRATIONS_DIR, get_settings=get_settings)


if __name__ == "__main__":
    main()
