"""The environment is parsed strictly (config/environment.py, README "Configuration"): a value
that cannot be read stops `manage.py` with a message naming it, and never shows a secret. So
does scripts/serve's MIGRATE."""

import os
import secrets
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.environment import Environment, read_environment, without_password
from tests.helpers import ROOT, manage

FLAGS = [name for name, field in Environment.model_fields.items() if field.annotation is bool]
BOOLEAN_HINT = "is not a boolean: use true or false (also 1/0, yes/no, on/off)."


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No variable the settings read is set (CI sets DATABASE_URL, for one)."""
    for name in Environment.model_fields:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_flags_are_found() -> None:
    assert set(FLAGS) == {
        "DJANGO_DEBUG",
        "DJANGO_SECURE_SSL_REDIRECT",
        "DJANGO_BEHIND_TLS_PROXY",
        "DJANGO_SECURE_HSTS_PRELOAD",
    }


def test_defaults(environ: pytest.MonkeyPatch) -> None:
    env = Environment()
    assert env.DJANGO_DEBUG is True
    assert env.DJANGO_SECRET_KEY.get_secret_value().startswith("django-insecure-")
    assert env.DJANGO_ALLOWED_HOSTS == ["localhost", "127.0.0.1", "[::1]", "testserver"]
    assert env.DJANGO_CSRF_TRUSTED_ORIGINS == []
    assert env.DATABASE_URL.startswith("sqlite:///")
    assert env.DATABASE_URL.endswith("/db.sqlite3")
    assert env.DATABASE_CONN_MAX_AGE == 600
    assert env.DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE == 65536
    assert env.OAUTH2_ACCESS_TOKEN_EXPIRE_SECONDS == 3600
    assert env.OAUTH2_REFRESH_TOKEN_EXPIRE_SECONDS == 1209600
    assert env.DJANGO_SECURE_SSL_REDIRECT is True
    assert env.DJANGO_SECURE_HSTS_SECONDS == 31536000
    assert env.DJANGO_BEHIND_TLS_PROXY is False
    assert env.DJANGO_SECURE_HSTS_PRELOAD is False
    assert env.DJANGO_LOGIN_FAILURE_LIMIT == 5
    assert env.DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT == 100
    assert env.DJANGO_LOGIN_COOLOFF_SECONDS == 900
    assert env.DJANGO_LOG_LEVEL == "INFO"
    assert env.SWAGGER_UI_CLIENT_ID == "swagger-ui"


@pytest.mark.parametrize("name", FLAGS)
@pytest.mark.parametrize(
    ("word", "value"),
    [
        *[(word, True) for word in ["true", "TRUE", "True", "1", "yes", "YES", "on", "On"]],
        *[(word, False) for word in ["false", "FALSE", "False", "0", "no", "No", "off", "OFF"]],
        (" true ", True),
        ("false\n", False),
    ],
)
def test_boolean_words(environ: pytest.MonkeyPatch, name: str, word: str, value: bool) -> None:
    environ.setenv("DJANGO_SECRET_KEY", "k")  # DJANGO_DEBUG=false needs one
    environ.setenv(name, word)
    assert getattr(Environment(), name) is value


def refusal(environ: pytest.MonkeyPatch, name: str, value: str) -> str:
    """What read_environment() says of `name` set to `value`."""
    environ.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as raised:
        read_environment()
    return str(raised.value)


@pytest.mark.parametrize("name", FLAGS)
@pytest.mark.parametrize("word", ["ture", "flase", "t", "f", "y", "n", "2", "-1", "enabled", " "])
def test_other_words_are_not_booleans(environ: pytest.MonkeyPatch, name: str, word: str) -> None:
    assert refusal(environ, name, word) == f"{name}={word!r} {BOOLEAN_HINT}"


@pytest.mark.parametrize(
    ("name", "default"),
    [
        ("DJANGO_DEBUG", True),
        ("DJANGO_SECURE_SSL_REDIRECT", True),
        ("DATABASE_CONN_MAX_AGE", 600),
        ("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"]),
        ("DJANGO_LOG_LEVEL", "INFO"),
        ("SWAGGER_UI_CLIENT_ID", "swagger-ui"),
    ],
)
def test_an_empty_variable_counts_as_unset(
    environ: pytest.MonkeyPatch, name: str, default: object
) -> None:
    environ.setenv(name, "")
    assert getattr(Environment(), name) == default


def test_an_empty_secret_key_counts_as_unset(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("DJANGO_DEBUG", "false")
    environ.setenv("DJANGO_SECRET_KEY", "")
    with pytest.raises(ImproperlyConfigured, match=r"^DJANGO_SECRET_KEY must be set when"):
        read_environment()


def test_lists_are_comma_separated(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("DJANGO_ALLOWED_HOSTS", " id.example.com, [::1] ,,api.example.com,")
    environ.setenv("DJANGO_CSRF_TRUSTED_ORIGINS", '["https://not.json"]')
    env = Environment()
    assert env.DJANGO_ALLOWED_HOSTS == ["id.example.com", "[::1]", "api.example.com"]
    assert env.DJANGO_CSRF_TRUSTED_ORIGINS == ['["https://not.json"]']


def test_numbers_and_log_levels(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("DATABASE_CONN_MAX_AGE", "0")
    environ.setenv("DJANGO_SECURE_HSTS_SECONDS", " 0 ")
    environ.setenv("DJANGO_LOGIN_FAILURE_LIMIT", "1")
    environ.setenv("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", " 1000 ")
    environ.setenv("DJANGO_LOG_LEVEL", "warning")
    env = Environment()
    assert (env.DATABASE_CONN_MAX_AGE, env.DJANGO_SECURE_HSTS_SECONDS) == (0, 0)
    assert env.DJANGO_LOGIN_FAILURE_LIMIT == 1
    assert env.DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT == 1000
    assert env.DJANGO_LOG_LEVEL == "WARNING"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_CONN_MAX_AGE", "ten", "is not a whole number: use an integer of 0 or more."),
        ("DATABASE_CONN_MAX_AGE", "-1", "is too small: use an integer of 0 or more."),
        (
            "DJANGO_SECURE_HSTS_SECONDS",
            "1e6",
            "is not a whole number: use an integer of 0 or more.",
        ),
        (
            "DJANGO_LOGIN_COOLOFF_SECONDS",
            "15m",
            "is not a whole number: use an integer of 0 or more.",
        ),
        ("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", "0", "is too small: use an integer of 1 or more."),
        ("OAUTH2_ACCESS_TOKEN_EXPIRE_SECONDS", "0", "is too small: use an integer of 1 or more."),
        (
            "OAUTH2_REFRESH_TOKEN_EXPIRE_SECONDS",
            "-60",
            "is too small: use an integer of 1 or more.",
        ),
        ("DJANGO_LOGIN_FAILURE_LIMIT", "0", "is too small: use an integer of 1 or more."),
        (
            "DJANGO_LOGIN_FAILURE_LIMIT",
            "5.5",
            "is not a whole number: use an integer of 1 or more.",
        ),
        ("DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT", "0", "is too small: use an integer of 1 or more."),
        (
            "DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT",
            "1e3",
            "is not a whole number: use an integer of 1 or more.",
        ),
        (
            "DJANGO_LOG_LEVEL",
            "loud",
            "is not a log level: use DEBUG, INFO, WARNING, ERROR or CRITICAL.",
        ),
    ],
)
def test_unreadable_values(
    environ: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    assert refusal(environ, name, value) == f"{name}={value!r} {message}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgress://app:pw@db/identity", "has an unknown scheme: use one of "),
        ("postgres://app:pw@db:port/identity", "is not a URL dj-database-url can read: "),
        ("postgres://app:p[w@db/identity", "is not a URL dj-database-url can read: "),
    ],
)
def test_an_unreadable_database_url(environ: pytest.MonkeyPatch, url: str, message: str) -> None:
    environ.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured) as raised:
        read_environment()
    assert str(raised.value).startswith(f"DATABASE_URL={without_password(url)!r} {message}")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgres://app:s3cret@db:5432/identity", "postgres://app:***@db:5432/identity"),
        ("postgres://app:s3:cr@t@db/identity", "postgres://app:***@db/identity"),
        ("postgres://app:s3cret://x@db/identity", "postgres://app:***@db/identity"),
        ("postgres://db/identity?password=s3cret&x=1", "postgres://db/identity?password=***&x=1"),
        ("app:s3cret@db/identity", "app:***@db/identity"),
        ("postgres://app@db/identity", "postgres://app@db/identity"),
        ("sqlite:///tmp/db.sqlite3", "sqlite:///tmp/db.sqlite3"),
    ],
)
def test_a_database_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert without_password(url) == shown


# Through the real `manage.py check`, as an operator would meet it.


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "DJANGO_SECURE_SSL_REDIRECT",
            "ture",
            "is not a boolean: use true or false (also 1/0, yes/no, on/off).",
        ),
        (
            "DATABASE_CONN_MAX_AGE",
            "10 minutes",
            "is not a whole number: use an integer of 0 or more.",
        ),
        (
            "OAUTH2_ACCESS_TOKEN_EXPIRE_SECONDS",
            "-3600",
            "is too small: use an integer of 1 or more.",
        ),
    ],
    ids=["misspelled-boolean", "non-integer", "negative-lifetime"],
)
def test_an_unreadable_value_stops_start_up_naming_it(
    variable: str, value: str, message: str
) -> None:
    result = manage("check", DJANGO_SECRET_KEY="x", **{variable: value})
    assert result.returncode != 0
    assert result.stderr.rstrip().endswith(f"ImproperlyConfigured: {variable}={value!r} {message}")


def test_every_unreadable_variable_is_reported_at_once_and_no_secret_is_shown() -> None:
    secret_key = secrets.token_urlsafe(50)
    password = secrets.token_urlsafe(8)  # the URL short enough to be shown whole if it leaked
    result = manage(
        "check",
        DJANGO_SECRET_KEY=secret_key,
        DATABASE_URL=f"postgress://id:{password}@db/x",
        DJANGO_SECURE_SSL_REDIRECT="ture",
        DJANGO_LOGIN_FAILURE_LIMIT="five",
        OAUTH2_REFRESH_TOKEN_EXPIRE_SECONDS="0",
        DJANGO_LOG_LEVEL="verbose",
    )
    assert result.returncode != 0
    message = result.stderr[result.stderr.index("ImproperlyConfigured: ") :].splitlines()
    assert [line.split("=")[0] for line in message] == [
        "ImproperlyConfigured: DATABASE_URL",
        "OAUTH2_REFRESH_TOKEN_EXPIRE_SECONDS",
        "DJANGO_SECURE_SSL_REDIRECT",
        "DJANGO_LOGIN_FAILURE_LIMIT",
        "DJANGO_LOG_LEVEL",
    ]
    assert "DATABASE_URL='postgress://id:***@db/x' has an unknown scheme" in message[0]
    assert secret_key not in result.stdout + result.stderr
    assert password not in result.stdout + result.stderr


def test_a_missing_secret_key_is_reported_with_the_other_variables() -> None:
    result = manage("check", DJANGO_SECURE_HSTS_PRELOAD="maybe")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.\n" in result.stderr
    assert f"DJANGO_SECURE_HSTS_PRELOAD='maybe' {BOOLEAN_HINT}" in result.stderr


@pytest.mark.parametrize(("word", "value"), [("false", "False"), ("0", "False"), ("On", "True")])
def test_a_boolean_reaches_django_as_written(word: str, value: str) -> None:
    result = manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECURE_SSL_REDIRECT=word,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == value


def test_the_login_failure_limits_reach_the_throttle() -> None:
    result = manage(
        "shell",
        "--verbosity=0",
        "-c",
        "from django.conf import settings; "
        "print(settings.AXES_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT)",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_LOGIN_FAILURE_LIMIT="3",
        DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT="250",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3 250"


def test_serve_refuses_a_misspelled_migrate(tmp_path: Path) -> None:
    # Should the check go, --check-config makes gunicorn exit at once instead of serving.
    result = subprocess.run(  # noqa: S603 (our own script)
        [str(ROOT / "scripts" / "serve"), "--check-config"],
        env={
            **os.environ,
            "MIGRATE": "ture",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "serve: MIGRATE='ture' is not true or false.\n"
