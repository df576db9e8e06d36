"""The environment variables the settings read, parsed strictly (README "Configuration").

A value that cannot be read stops start-up with ImproperlyConfigured, one line per variable,
instead of falling back to a default: `DJANGO_SECURE_SSL_REDIRECT=ture` must not turn the
redirect off.
"""

import logging
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105

TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}


def flag(value: object) -> object:
    """Exactly the words in TRUE and FALSE, any case: pydantic's own bool also takes t/f/y/n."""
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if word in TRUE | FALSE:
        return word in TRUE
    raise PydanticCustomError(
        "boolean", "is not a boolean: use true or false (also 1/0, yes/no, on/off)"
    )


def comma_list(value: object) -> object:
    """`a, b,,c` -> ["a", "b", "c"] (with NoDecode: pydantic-settings would expect JSON)."""
    if not isinstance(value, str):
        return value
    return [item.strip() for item in value.split(",") if item.strip()]


def log_level(value: object) -> object:
    """Any of Python's level names, any case (logging itself wants them upper-case)."""
    if isinstance(value, str) and value.strip().upper() in logging.getLevelNamesMapping():
        return value.strip().upper()
    raise PydanticCustomError(
        "log_level", "is not a log level: use DEBUG, INFO, WARNING, ERROR or CRITICAL"
    )


Flag = Annotated[bool, BeforeValidator(flag)]
CommaList = Annotated[list[str], NoDecode, BeforeValidator(comma_list)]
Seconds = Annotated[int, Field(ge=0)]
Positive = Annotated[int, Field(ge=1)]
LogLevel = Annotated[str, BeforeValidator(log_level)]


class Environment(BaseSettings):
    """Every variable config/settings.py reads, with its type and default."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, frozen=True)

    DJANGO_DEBUG: Flag = Field(default=True, description="Development mode; false in production.")
    DJANGO_SECRET_KEY: SecretStr = Field(
        default=None,
        validate_default=True,
        description="Django's signing key; a development key only when DJANGO_DEBUG is true.",
    )
    DJANGO_ALLOWED_HOSTS: CommaList = Field(
        default=["localhost", "127.0.0.1", "[::1]", "testserver"],
        description="Host names the service answers to.",
    )
    DJANGO_CSRF_TRUSTED_ORIGINS: CommaList = Field(
        default=[], description="Origins trusted for the admin's forms behind a proxy."
    )
    DATABASE_URL: str = Field(
        default=f"sqlite:///{PROJECT_DIR / 'db.sqlite3'}", description="A dj-database-url URL."
    )
    DATABASE_CONN_MAX_AGE: Seconds = Field(
        default=600, description="Seconds a connection is reused; 0 opens one per request."
    )
    DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE: Positive = Field(
        default=64 * 1024, description="Largest request body accepted, in bytes."
    )
    OAUTH2_ACCESS_TOKEN_EXPIRE_SECONDS: Positive = Field(
        default=60 * 60, description="Access-token lifetime."
    )
    OAUTH2_REFRESH_TOKEN_EXPIRE_SECONDS: Positive = Field(
        default=14 * 24 * 60 * 60, description="Refresh-token lifetime."
    )
    DJANGO_SECURE_SSL_REDIRECT: Flag = Field(
        default=True, description="With DJANGO_DEBUG=false: redirect HTTP to HTTPS."
    )
    DJANGO_SECURE_HSTS_SECONDS: Seconds = Field(
        default=365 * 24 * 60 * 60, description="With DJANGO_DEBUG=false: HSTS max-age."
    )
    DJANGO_BEHIND_TLS_PROXY: Flag = Field(
        default=False, description="Trust X-Forwarded-Proto and X-Forwarded-For from a TLS proxy."
    )
    DJANGO_SECURE_HSTS_PRELOAD: Flag = Field(
        default=False, description="With DJANGO_DEBUG=false: ask browsers to preload HSTS."
    )
    DJANGO_LOGIN_FAILURE_LIMIT: Positive = Field(
        default=5, description="Failed logins per username from one address, or per client."
    )
    DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT: Positive = Field(
        default=100, description="Failed logins from one address, whatever the username."
    )
    DJANGO_LOGIN_COOLOFF_SECONDS: Seconds = Field(
        default=15 * 60, description="How long a lock lasts after the last failure."
    )
    DJANGO_LOG_LEVEL: LogLevel = Field(default="INFO", description="Root log level.")
    SWAGGER_UI_CLIENT_ID: str = Field(
        default="swagger-ui", description="client_id of the public client Swagger UI signs in with."
    )
    OIDC_RSA_PRIVATE_KEY: SecretStr | None = Field(
        default=None, description="The RSA key (PEM) that signs ID tokens (config/oidc_keys.py)."
    )
    OIDC_RSA_PRIVATE_KEY_FILE: Path | None = Field(
        default=None, description="A file holding OIDC_RSA_PRIVATE_KEY instead."
    )
    OIDC_RSA_PRIVATE_KEYS_INACTIVE: SecretStr | None = Field(
        default=None, description="Previous signing keys (PEM, one after the other), in the JWKS."
    )
    OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILE: Path | None = Field(
        default=None, description="A file holding OIDC_RSA_PRIVATE_KEYS_INACTIVE instead."
    )
    OIDC_ISSUER: str | None = Field(
        default=None, description="The issuer identifier; by default from the request's host."
    )

    @field_validator("DJANGO_SECRET_KEY", mode="before")
    @classmethod
    def _development_key_only_in_debug(cls, key: object, info: ValidationInfo) -> object:
        if key is not None:
            return key
        # info.data lacks DJANGO_DEBUG when that failed: its own line says so, not this one.
        if info.data.get("DJANGO_DEBUG") is False:
            raise PydanticCustomError(
                "secret_key", "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false."
            )
        return DEVELOPMENT_SECRET_KEY

    @field_validator("OIDC_ISSUER")
    @classmethod
    def _issuer_is_this_services_o(cls, issuer: str | None) -> str | None:
        """OpenID Connect Discovery 1.0 §4: the issuer with /.well-known/openid-configuration
        appended is where the discovery document is, here under /o/."""
        if issuer is None:
            return None
        url = urlsplit(issuer)
        if url.scheme not in {"http", "https"} or not url.netloc or url.query or url.fragment:
            raise PydanticCustomError(
                "issuer", "is not an http(s) URL without query: use e.g. https://id.example.com/o"
            )
        if not url.path.endswith("/o"):
            raise PydanticCustomError(
                "issuer",
                "does not end with /o, where discovery is: use e.g. https://id.example.com/o",
            )
        return issuer

    @field_validator("DATABASE_URL")
    @classmethod
    def _readable_by_dj_database_url(cls, url: str) -> str:
        try:
            dj_database_url.parse(url)
        except dj_database_url.UnknownSchemeError:
            schemes = ", ".join(sorted(dj_database_url.ENGINE_SCHEMES))
            raise PydanticCustomError(
                "database_url", "has an unknown scheme: use one of {schemes}", {"schemes": schemes}
            ) from None
        except ValueError:
            raise PydanticCustomError(
                "database_url",
                "is not a URL dj-database-url can read: use e.g. "
                "postgres://user:password@host:5432/name, special characters %-encoded",
            ) from None
        return url


def read_environment() -> Environment:
    """The parsed environment; ImproperlyConfigured naming every variable it cannot read."""
    try:
        return Environment()
    except ValidationError as error:
        first: dict[str, ErrorDetails] = {}
        for detail in error.errors():
            first.setdefault(str(detail["loc"][0]), detail)
        lines = [problem(name, detail) for name, detail in first.items()]
        # `from None`: the ValidationError's own text would repeat every value given.
        raise ImproperlyConfigured("\n".join(lines)) from None


def problem(name: str, detail: ErrorDetails) -> str:
    """`NAME='value' is not ...: use ...`, never showing a secret."""
    if name == "DJANGO_SECRET_KEY":
        return detail["msg"]
    if name in {"OIDC_RSA_PRIVATE_KEY", "OIDC_RSA_PRIVATE_KEYS_INACTIVE"}:
        return f"{name} {detail['msg']}."
    value = without_password(detail["input"]) if name == "DATABASE_URL" else detail["input"]
    kind = detail["type"]
    if kind in {"int_parsing", "int_from_float", "int_type"}:
        return f"{name}={value!r} is not a whole number: use an integer of {least(name)} or more."
    if kind == "greater_than_equal":
        return f"{name}={value!r} is too small: use an integer of {least(name)} or more."
    return f"{name}={value!r} {detail['msg']}."


def least(name: str) -> int:
    """The lower bound of an integer field: the `ge` of Seconds or Positive."""
    bounds = Environment.model_fields[name].metadata
    return next(int(bound.ge) for bound in bounds if isinstance(getattr(bound, "ge", None), int))


def without_password(url: object) -> str:
    """The URL with its password, and any `password=` option, replaced by `***`."""
    text = str(url)
    scheme, separator, rest = text.partition("://") if "://" in text else ("", "", text)
    if "@" in rest:
        userinfo, _, host = rest.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        rest = f"{user}{colon and ':***'}@{host}"
    return re.sub(r"(?i)(password=)[^&]*", r"\1***", f"{scheme}{separator}{rest}")
