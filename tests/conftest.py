from typing import Protocol

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings

from tests.factories import AccessTokenFactory, UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # PBKDF2 at 1,000,000 rounds costs ~0.4 s per check; tests check behaviour, not cost.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "identity.hashers.ClientSecretHasher",  # DOT's CLIENT_SECRET_HASHER
    ]


class BearerFactory(Protocol):
    def __call__(
        self, scope: str = ..., user: User | None = None, perms: list[str] | None = None
    ) -> dict[str, str]: ...


@pytest.fixture
def bearer(db: None) -> BearerFactory:
    """`headers=` for a request with a fresh token. Its user is an ordinary one (active, not
    staff, no permissions) unless the test asks for privilege: bearer(perms=["auth.add_user"])
    for a user holding those model permissions, bearer(user=SuperuserFactory.create()) where
    being a superuser is the point."""

    def make(
        scope: str = "read write groups", user: User | None = None, perms: list[str] | None = None
    ) -> dict[str, str]:
        if user is not None and perms:
            raise TypeError("bearer(perms=...) makes its own user; give yours its permissions")
        if user is None:
            user = UserFactory.create(permissions=perms)
        token = AccessTokenFactory.create(scope=scope, user=user)
        return {"Authorization": f"Bearer {token.token}"}

    return make
