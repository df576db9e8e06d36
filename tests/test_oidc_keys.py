"""The ID-token signing keys and issuer from the environment (config/oidc_keys.py): read and
checked at start-up, never shown in a message, required in production."""

import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured

from config.environment import Environment
from config.oidc_keys import generate_pem, read_signing_keys
from tests.helpers import ROOT, manage


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in Environment.model_fields:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def keys_of(**variables: str) -> tuple[str, list[str]]:
    keys = read_signing_keys(Environment(**variables))  # type: ignore[arg-type]
    return keys.active, keys.inactive


def ec_pem() -> str:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def test_production_refuses_to_start_without_a_signing_key() -> None:
    result = manage("check", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), OIDC_RSA_PRIVATE_KEY="")
    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: OIDC_RSA_PRIVATE_KEY or OIDC_RSA_PRIVATE_KEY_FILE must be set "
        "when DJANGO_DEBUG is false"
    ) in result.stderr


def test_the_key_comes_from_a_file_and_previous_keys_from_another(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    active, old, older = generate_pem(), generate_pem(), generate_pem()
    (tmp_path / "active.pem").write_text(active)
    (tmp_path / "inactive.pem").write_text(old + "\n" + older)
    assert keys_of(
        OIDC_RSA_PRIVATE_KEY_FILE=str(tmp_path / "active.pem"),
        OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILE=str(tmp_path / "inactive.pem"),
    ) == (active.strip(), [old.strip(), older.strip()])


def test_the_key_comes_from_the_variable_itself(environ: pytest.MonkeyPatch) -> None:
    active, old = generate_pem(), generate_pem()
    assert keys_of(OIDC_RSA_PRIVATE_KEY=active, OIDC_RSA_PRIVATE_KEYS_INACTIVE=old) == (
        active.strip(),
        [old.strip()],
    )


def test_development_gets_a_key_of_its_own(environ: pytest.MonkeyPatch) -> None:
    active, inactive = keys_of()
    assert active.startswith("-----BEGIN PRIVATE KEY-----")
    assert inactive == []


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"OIDC_RSA_PRIVATE_KEY_FILE": "/nonexistent/key.pem"},
            "OIDC_RSA_PRIVATE_KEY_FILE='/nonexistent/key.pem' cannot be read: ",
        ),
        (
            {"OIDC_RSA_PRIVATE_KEY": "not a key"},
            "OIDC_RSA_PRIVATE_KEY is not made of unencrypted RSA private keys",
        ),
        (
            {"OIDC_RSA_PRIVATE_KEYS_INACTIVE": ec_pem()},
            "OIDC_RSA_PRIVATE_KEYS_INACTIVE is not made of unencrypted RSA private keys",
        ),
        (
            {"OIDC_RSA_PRIVATE_KEY": generate_pem(), "OIDC_RSA_PRIVATE_KEY_FILE": "/k.pem"},
            "OIDC_RSA_PRIVATE_KEY and OIDC_RSA_PRIVATE_KEY_FILE are both set: use one.",
        ),
        (
            {"OIDC_RSA_PRIVATE_KEY": generate_pem() + generate_pem()},
            "OIDC_RSA_PRIVATE_KEY holds several keys: give the active one only.",
        ),
    ],
    ids=["unreadable-file", "not-pem", "not-rsa", "both", "several-active"],
)
def test_a_key_that_cannot_be_used_stops_start_up_naming_it(
    environ: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        keys_of(**variables)
    assert message in str(caught.value)
    assert "PRIVATE KEY-----\n" not in str(caught.value)


def test_a_bad_key_is_reported_by_manage_without_showing_it() -> None:
    key = ec_pem()
    result = manage("check", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), OIDC_RSA_PRIVATE_KEY=key)
    assert result.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEY is not made of unencrypted RSA private keys" in result.stderr
    assert key.splitlines()[1] not in result.stdout + result.stderr


@pytest.mark.parametrize("issuer", ["https://id.example.com/o", "http://127.0.0.1:8000/o"])
def test_an_issuer_is_this_services_url_ending_in_o(
    environ: pytest.MonkeyPatch, issuer: str
) -> None:
    environ.setenv("OIDC_ISSUER", issuer)
    configured = Environment().OIDC_ISSUER
    assert configured == issuer


@pytest.mark.parametrize(
    "issuer",
    [
        "https://id.example.com",
        "https://id.example.com/o/",
        "id.example.com/o",
        "https://id.example.com/o?x=1",
    ],
)
def test_any_other_issuer_stops_start_up(environ: pytest.MonkeyPatch, issuer: str) -> None:
    environ.setenv("OIDC_ISSUER", issuer)
    with pytest.raises(ValueError, match="OIDC_ISSUER"):
        Environment()


def test_the_development_key_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / ".local" / "oidc_private_key.pem"

    def make() -> str:
        subprocess.run(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "config.oidc_keys", str(path)], cwd=ROOT, check=True
        )
        return path.read_text()

    first = make()
    assert make() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.startswith("-----BEGIN PRIVATE KEY-----")
