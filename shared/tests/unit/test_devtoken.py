from openrcm_shared.auth import TokenVerifier
from openrcm_shared.auth.devtoken import main

SECRET = "dev-secret-0123456789abcdef0123456789"


def test_minted_dev_token_verifies_with_the_same_secret(capsys):
    main(["--secret", SECRET, "--tenant", "clinic-a", "--tenant", "clinic-b", "--role", "biller", "--subject", "sam"])
    token = capsys.readouterr().out.strip()
    principal = TokenVerifier(secret=SECRET, issuer="openrcm-dev", audience="openrcm").verify(token)
    assert principal.subject == "sam"
    assert principal.roles == {"biller"} and principal.tenants == {"clinic-a", "clinic-b"}
