from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings

from tests.factories import AccessTokenFactory, SuperuserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # PBKDF2 at 1,000,000 rounds costs ~0.4 s per check; tests check behaviour, not cost.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "identity.hashers.ClientSecretHasher",  # DOT's CLIENT_SECRET_HASHER
    ]


BearerFactory = Callable[..., dict[str, str]]


@pytest.fixture
def bearer(db: None) -> BearerFactory:
    """`headers=` for a request with a fresh token: bearer(scope="read", user=...)."""

    def make(
        scope: str = "read write groups", user: User | None = None, **kw: Any
    ) -> dict[str, str]:
        token = AccessTokenFactory.create(scope=scope, user=user or SuperuserFactory.create(), **kw)
        return {"Authorization": f"Bearer {token.token}"}

    return make
