"""Production settings: `manage.py check --deploy` under DJANGO_DEBUG=false reports only what
README "Security" explains."""

import re
import secrets

from tests.helpers import manage

# W002: the password grant, which the tutorial is built on (RFC 9700 §2.4).
# W021: HSTS preload is a one-way commitment for the whole domain: opt in with
# DJANGO_SECURE_HSTS_PRELOAD=true.
EXPLAINED = {"oauth2_provider.W002", "security.W021"}


def reported(output: str) -> set[str]:
    return set(re.findall(r"\(([\w.]+\.[EWIC]\d+)\)", output))


def test_check_deploy_reports_only_the_explained_warnings() -> None:
    result = manage("check", "--deploy", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert reported(result.stdout + result.stderr) == EXPLAINED


def test_hsts_preload_can_be_turned_on() -> None:
    result = manage(
        "check",
        "--deploy",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECURE_HSTS_PRELOAD="true",
    )
    assert reported(result.stdout + result.stderr) == EXPLAINED - {"security.W021"}


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false." in result.stderr


def test_a_weak_secret_key_is_reported() -> None:
    result = manage("check", "--deploy", DJANGO_SECRET_KEY="short")
    assert "security.W009" in reported(result.stdout + result.stderr)
