"""Client secrets at rest, hashed by origin: a secret the server generated (it carries a keyed
tag, identity/client_secrets.py) under a salted HMAC, any other under the slow default hasher;
either way the token endpoint verifies it and it is never stored in clear."""

import base64
import re
from io import StringIO
from typing import ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, PBKDF2PasswordHasher
from django.core.management import call_command
from django.test import Client
from oauth2_provider.generators import ClientSecretGenerator, generate_client_secret
from oauth2_provider.models import Application
from pytest_django.fixtures import Settings

from identity.client_secrets import TAG_LENGTH, is_server_generated
from identity.hashers import ClientSecretHasher
from tests.factories import PASSWORD, ApplicationFactory, SuperuserFactory, UserFactory

FAST = f"{ClientSecretHasher.algorithm}$"
SLOW = "md5$"  # the default (first) hasher in the tests; PBKDF2 outside them

# Long and typed by a person. The last two have over 4.5 bits of Shannon entropy per
# character (5.1 and 5.8), enough for a rule that judged secrets by their characters.
HUMAN_64 = "Correct-Horse-Battery-Staple-2024!correct-horse-battery-staple-9"
PASSPHRASE_64 = "Jump1ng-Zebras-Quickly-Vex-4-Big-Wolves@Dawn/Fox&Hydra_Kiss_7890"
KEYBOARD_WALK = "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]1QAZ2WSX3EDC4RFV5TG"
HUMAN = [HUMAN_64, PASSPHRASE_64, KEYBOARD_WALK]
assert {len(secret) for secret in HUMAN} == {64}


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


def edited(secret: str, index: int) -> str:
    """`secret` with one character changed, as a person might when retyping it."""
    replacement = "a" if secret[index] != "a" else "b"
    return (
        secret[:index] + replacement + secret[index + 1 :]
        if index != -1
        else secret[:-1] + replacement
    )


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


def stored(client_id: str) -> str:
    return str(Application.objects.get(client_id=client_id).client_secret)


# Recognising the server's own secrets.


def test_a_generated_secret_is_dots_length_and_alphabet_and_recognised() -> None:
    secret = generate_client_secret()
    assert len(secret) == 128
    assert secret.isalnum()
    assert is_server_generated(secret)


@pytest.mark.parametrize(
    "secret",
    [
        *HUMAN,
        HUMAN_64 * 2,
        "sekret-1",
        "",
        ClientSecretGenerator().hash(),  # DOT's own generator: random, but not ours
    ],
    ids=["human-64", "passphrase-64", "keyboard-walk", "human-128", "short", "empty", "dots-own"],
)
def test_a_secret_without_the_tag_is_not_the_servers(secret: str) -> None:
    assert not is_server_generated(secret)


@pytest.mark.parametrize("index", [0, 50, -TAG_LENGTH, -1], ids=["first", "middle", "tag", "last"])
def test_a_generated_secret_with_one_character_changed_is_not_the_servers(index: int) -> None:
    assert not is_server_generated(edited(generate_client_secret(), index))


def test_a_tag_made_with_another_key_is_not_the_servers(settings: Settings) -> None:
    secret = generate_client_secret()
    settings.SECRET_KEY = "another-" + "k" * 50
    assert not is_server_generated(secret)


def test_a_form_rendered_before_a_key_rotation_still_counts_as_generated(
    settings: Settings,
) -> None:
    old_key = settings.SECRET_KEY
    secret = generate_client_secret()
    settings.SECRET_KEY = "rotated-" + "k" * 50
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert is_server_generated(secret)


def test_a_generator_length_too_short_for_a_fast_hash_makes_none(settings: Settings) -> None:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "CLIENT_SECRET_GENERATOR_LENGTH": 64}
    secret = generate_client_secret()
    assert len(secret) == 64
    assert not is_server_generated(secret)


# The hasher.


@pytest.mark.parametrize(
    ("secret", "prefix"),
    [
        (generate_client_secret(), FAST),
        (HUMAN_64, SLOW),
        (PASSPHRASE_64, SLOW),
        (KEYBOARD_WALK, SLOW),
        (edited(generate_client_secret(), 10), SLOW),
        ("sekret-1", SLOW),
    ],
    ids=["generated", "human-64", "passphrase-64", "keyboard-walk", "generated-edited", "short"],
)
def test_the_hasher_picks_by_origin(secret: str, prefix: str) -> None:
    encoded = ClientSecretHasher().encode(secret, "salt")
    assert encoded.startswith(prefix)
    assert secret not in encoded


# Through the token endpoint.


@pytest.mark.django_db
def test_a_generated_secret_is_stored_as_salted_hmac_and_verifies(client: Client) -> None:
    secret = generate_client_secret()
    client_id = make_application(secret)
    assert stored(client_id).startswith(FAST)
    assert secret not in stored(client_id)
    assert client_credentials(client, client_id, secret) == 200


@pytest.mark.django_db
def test_the_same_generated_secret_hashes_differently_per_application() -> None:
    secret = generate_client_secret()
    first, second = make_application(secret), make_application(secret)
    hashes = Application.objects.filter(client_id__in=[first, second]).values_list(
        "client_secret", flat=True
    )
    assert len(set(hashes)) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("wrong", ["last-character", "truncated", "empty", "the-hash-itself"])
def test_a_wrong_secret_is_refused(client: Client, wrong: str) -> None:
    secret = generate_client_secret()
    client_id = make_application(secret)
    attempt = {
        "last-character": edited(secret, -1),
        "truncated": secret[:64],
        "empty": "",
        "the-hash-itself": stored(client_id),
    }[wrong]
    assert client_credentials(client, client_id, attempt) == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "secret", ["sekret-1", *HUMAN], ids=["short", "human-64", "passphrase-64", "keyboard-walk"]
)
def test_a_human_secret_gets_the_slow_default_hasher(
    client: Client, counting_default_hasher: type[CountingMD5Hasher], secret: str
) -> None:
    client_id = make_application(secret)
    assert stored(client_id).startswith(SLOW)
    assert client_credentials(client, client_id, secret) == 200
    assert counting_default_hasher.checks == 1


@pytest.mark.django_db
def test_an_edited_generated_secret_gets_the_slow_hasher_and_is_the_one_that_works(
    client: Client,
) -> None:
    generated = generate_client_secret()
    secret = edited(generated, 20)
    client_id = make_application(secret)
    assert stored(client_id).startswith(SLOW)
    assert client_credentials(client, client_id, secret) == 200
    assert client_credentials(client, client_id, generated) == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "secret", [PASSPHRASE_64, ClientSecretGenerator().hash()], ids=["passphrase", "dots-own"]
)
def test_hashes_stored_before_keep_verifying(
    client: Client, settings: Settings, secret: str
) -> None:
    """Under the earlier rule a long varied secret, typed or not, got the HMAC, and DOT's
    default before it PBKDF2: both kinds of stored hash still authenticate their client."""
    settings.PASSWORD_HASHERS = [
        *settings.PASSWORD_HASHERS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    hmac_hash = f"{FAST}somesalt${ClientSecretHasher._digest(secret, 'somesalt')}"
    pbkdf2_hash = PBKDF2PasswordHasher().encode(secret, "somesalt", iterations=1000)
    for encoded in (hmac_hash, pbkdf2_hash):
        client_id = make_application(encoded)  # already a hash: DOT stores it as it is
        assert stored(client_id) == encoded
        assert client_credentials(client, client_id, secret) == 200
        assert client_credentials(client, client_id, edited(secret, 3)) == 401


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


# Where secrets come from: the registration page, the admin, the commands.

REGISTRATION = {
    "name": "Reporting",
    "hash_client_secret": "on",
    "client_type": Application.CLIENT_CONFIDENTIAL,
    "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
    "redirect_uris": "",
    "post_logout_redirect_uris": "",
    "allowed_origins": "",
    "algorithm": "",
}


def prefilled(html: str, name: str) -> str:
    match = re.search(rf'<input type="text" name="{name}" value="([^"]*)"', html)
    assert match, name
    return match[1]


def register(client: Client, page: str, typed: str | None) -> tuple[str, str]:
    """Open the form, keep the secret it offers or type another, save: (client id, secret)."""
    html = client.get(page).content.decode()
    client_id = prefilled(html, "client_id")
    secret = prefilled(html, "client_secret") if typed is None else typed
    form = {**REGISTRATION, "client_id": client_id, "client_secret": secret}
    if page.startswith("/admin/"):
        form |= {"user": "", "skip_authorization": ""}
    response = client.post(page, form)
    assert response.status_code in (200, 302), response.content
    assert Application.objects.filter(client_id=client_id).exists()
    return client_id, secret


FORMS = [
    pytest.param("/o/applications/register/", False, id="registration"),
    pytest.param("/admin/oauth2_provider/application/add/", True, id="admin"),
]
TYPED = [
    pytest.param(None, FAST, id="offered"),
    pytest.param(PASSPHRASE_64, SLOW, id="passphrase-64"),
    pytest.param("edit", SLOW, id="offered-edited"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("page", "staff"), FORMS)
@pytest.mark.parametrize(("typed", "prefix"), TYPED)
def test_a_form_keeps_the_fast_hash_for_the_secret_it_offered_only(
    client: Client, page: str, staff: bool, typed: str | None, prefix: str
) -> None:
    client.force_login(SuperuserFactory.create() if staff else UserFactory.create())
    if typed == "edit":
        offered = prefilled(client.get(page).content.decode(), "client_secret")
        typed = edited(offered, 40)
    client_id, secret = register(client, page, typed)
    assert stored(client_id).startswith(prefix)
    assert client_credentials(Client(), client_id, secret) == 200


@pytest.mark.django_db
def test_bootstraps_generated_secret_gets_the_fast_hash_and_works(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    out = StringIO()
    call_command("bootstrap", base_url="http://127.0.0.1:8000", stdout=out)
    client_id, secret = (
        re.search(rf"{name}:\s+(\S+)", out.getvalue())[1]  # type: ignore[index]
        for name in ("client_id", "client_secret")
    )
    assert stored(client_id).startswith(FAST)
    user = UserFactory.create()
    response = client.post(
        "/o/token/",
        {"grant_type": "password", "username": user.username, "password": PASSWORD},
        headers=basic(client_id, secret),
    )
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "prefix"), [(None, FAST), (PASSPHRASE_64, SLOW)], ids=["generated", "given"]
)
def test_createapplication_hashes_by_origin(client: Client, given: str | None, prefix: str) -> None:
    out = StringIO()
    options = ["--client-secret", given] if given else []
    call_command(
        "createapplication",
        "confidential",
        "client-credentials",
        "--client-id",
        "cli-1",
        *options,
        stdout=out,
    )
    secret = given or re.search(r"client_secret: (\w+)", out.getvalue())[1]  # type: ignore[index]
    assert stored("cli-1").startswith(prefix)
    assert client_credentials(client, "cli-1", secret) == 200


def test_user_passwords_keep_django_pbkdf2_as_the_default() -> None:
    from config import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    )
