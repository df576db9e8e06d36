import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
else:
    Response = Any

ROOT = Path(__file__).resolve().parents[1]
_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """Split a `WWW-Authenticate` value into its scheme and auth-params (RFC 9110 §11.6.1)."""
    scheme, _, params = header.partition(" ")
    return scheme, dict(_PARAM.findall(params))


# The fields a user is shown with, and nothing else (no hash, no is_staff/is_superuser).
USER_FIELDS = frozenset(
    {"id", "username", "email", "first_name", "last_name", "is_active", "date_joined", "groups"}
)


def api_routes() -> set[tuple[str, str]]:
    """Every (method, path) the API serves, read from its routers: tables of endpoints in the
    tests compare against this, so a new route cannot go untested."""
    from config.api import api

    return {
        (method, "/" + prefix.strip("/") + "/" + path.lstrip("/"))
        for prefix, router in api._routers
        for path, path_view in router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
    }


@cache
def signing_key() -> str:
    """An ID-token signing key for the test session's deployed processes (never in git)."""
    from config.oidc_keys import generate_pem

    return generate_pem()


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py ARGS` in a fresh process, as deployed: DJANGO_DEBUG=false and a signing key
    unless `env` says otherwise (OIDC_RSA_PRIVATE_KEY="" for none), and none of the calling
    environment's DJANGO_* or OIDC_* variables."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OIDC_"))}
    return subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**base, "DJANGO_DEBUG": "false", "OIDC_RSA_PRIVATE_KEY": signing_key(), **env},
        capture_output=True,
        text=True,
        check=False,
    )


__all__ = [
    "USER_FIELDS",
    "Response",
    "api_routes",
    "manage",
    "parse_challenge",
    "signing_key",
]
