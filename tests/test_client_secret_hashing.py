"""Client secrets at rest: generated ones under a salted HMAC, human-chosen ones under the slow
default hasher; either way the token endpoint verifies them and never stores them in clear."""

import base64
from typing import ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import Application
from pytest_django.fixtures import Settings

from identity.hashers import ClientSecretHasher, is_machine_generated
from tests.factories import PASSWORD, ApplicationFactory, UserFactory


class CountingMD5Hasher(MD5PasswordHasher):
    """The tests' stand-in for the slow default hasher, counting its checks."""

    checks: ClassVar[int] = 0

    def verify(self, password: str, encoded: str) -> bool:
        type(self).checks += 1
        return super().verify(password, encoded)


@pytest.fixture
def counting_default_hasher(settings: Settings) -> type[CountingMD5Hasher]:
    settings.PASSWORD_HASHERS = [
        f"{__name__}.CountingMD5Hasher",
        "identity.hashers.ClientSecretHasher",
    ]
    CountingMD5Hasher.checks = 0
    return CountingMD5Hasher


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def client_credentials(client: Client, client_id: str, secret: str) -> int:
    response = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, headers=basic(client_id, secret)
    )
    return response.status_code


def make_application(secret: str, grant: str = Application.GRANT_CLIENT_CREDENTIALS) -> str:
    app = ApplicationFactory.create(client_secret=secret, authorization_grant_type=grant)
    return str(app.client_id)


@pytest.mark.django_db
def test_a_generated_secret_is_stored_as_salted_hmac_and_verifies(client: Client) -> None:
    secret = generate_client_secret()
    client_id = make_application(secret)
    stored = Application.objects.get(client_id=client_id).client_secret
    assert stored.startswith(f"{ClientSecretHasher.algorithm}$")
    assert secret not in stored
    assert client_credentials(client, client_id, secret) == 200


@pytest.mark.django_db
def test_the_same_generated_secret_hashes_differently_per_application() -> None:
    secret = generate_client_secret()
    first, second = make_application(secret), make_application(secret)
    stored = Application.objects.filter(client_id__in=[first, second]).values_list(
        "client_secret", flat=True
    )
    assert len(set(stored)) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("wrong", ["last-character", "truncated", "empty", "the-hash-itself"])
def test_a_wrong_secret_is_refused(client: Client, wrong: str) -> None:
    secret = generate_client_secret()
    client_id = make_application(secret)
    stored = Application.objects.get(client_id=client_id).client_secret
    attempt = {
        "last-character": secret[:-1] + ("a" if secret[-1] != "a" else "b"),
        "truncated": secret[:64],
        "empty": "",
        "the-hash-itself": stored,
    }[wrong]
    assert client_credentials(client, client_id, attempt) == 401


@pytest.mark.django_db
def test_a_short_human_secret_gets_the_slow_default_hasher(
    client: Client, counting_default_hasher: type[CountingMD5Hasher]
) -> None:
    client_id = make_application("sekret-1")
    stored = Application.objects.get(client_id=client_id).client_secret
    assert stored.startswith("md5$")  # the default (first) hasher; PBKDF2 outside the tests
    assert client_credentials(client, client_id, "sekret-1") == 200
    assert counting_default_hasher.checks == 1


@pytest.mark.django_db
def test_the_password_grant_runs_the_slow_hasher_once_for_the_user_only(
    client: Client, counting_default_hasher: type[CountingMD5Hasher]
) -> None:
    secret = generate_client_secret()
    client_id = make_application(secret, Application.GRANT_PASSWORD)
    user = UserFactory.create()
    counting_default_hasher.checks = 0
    response = client.post(
        "/o/token/",
        {"grant_type": "password", "username": user.username, "password": PASSWORD},
        headers=basic(client_id, secret),
    )
    assert response.status_code == 200
    assert counting_default_hasher.checks == 1


@pytest.mark.parametrize(
    ("secret", "fast"),
    [
        (generate_client_secret(), True),
        ("A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y5z6a7B8c9D0e1F2", True),
        ("sekret-1", False),
        ("0123456789abcdef" * 4, False),  # 64 hex characters: only 4 bits each at best
        ("correct horse battery staple and then several more ordinary words", False),
        ("a" * 200, False),
    ],
    ids=["dot-generated", "64-mixed", "short", "hex", "prose", "repeated"],
)
def test_only_long_varied_secrets_take_the_fast_path(secret: str, fast: bool) -> None:
    assert is_machine_generated(secret) is fast


def test_user_passwords_keep_django_pbkdf2_as_the_default() -> None:
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    )
