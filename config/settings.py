"""Settings, with the environment's values parsed by config/environment.py.

Every variable is documented in README.md ("Configuration"). A value that cannot be read, or
DJANGO_DEBUG=false without a DJANGO_SECRET_KEY, stops start-up with ImproperlyConfigured.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

from config.environment import read_environment
from config.oidc_keys import read_signing_keys

BASE_DIR = Path(__file__).resolve().parent.parent

env = read_environment()
signing_keys = read_signing_keys(env)

DEBUG = env.DJANGO_DEBUG
SECRET_KEY = env.DJANGO_SECRET_KEY.get_secret_value()
ALLOWED_HOSTS = env.DJANGO_ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.DJANGO_CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    "identity.apps.AdminConfig",  # Django's admin, its password change in one transaction
    # Before auth: the first app with a command of a name serves it; identity's
    # `changepassword` writes in one transaction and its `createsuperuser` refuses a
    # username taken in another case.
    "identity",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves Swagger UI's assets locally (no CDN needed)
    "oauth2_provider",
    "axes",
    "audit",  # below identity and directory: imports neither
    "directory",
]

MIDDLEWARE = [
    # Outermost: every answer, whichever layer gave it, carries X-Request-ID.
    "core.request_id.RequestId",
    # Next, so it sees every layer's answer: JSON errors outside the HTML pages, DEBUG or not.
    "config.errors.JsonErrors",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.JsonMethodNotAllowed",
    "config.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in user acts in the audit trail; a bearer token's user replaces it.
    "identity.middleware.SessionActor",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes requires: turns a locked-out admin login into identity.throttle's 429.
    "axes.middleware.AxesMiddleware",
]

# axes first: it refuses locked-out credentials before the password is even checked. Then
# ModelBackend, finding the user whatever the case of the typed username.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "identity.backends.CaseInsensitiveModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project templates override DOT's pages (sign-in look, secret shown once, consent).
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_config(url: str, conn_max_age: int) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers proceed during a write; IMMEDIATE takes the write lock when the
        # transaction starts, so concurrent writers queue on busy_timeout instead of failing
        # with "database is locked" on lock upgrade.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend with server-side binding, prepared compiled queries and a health
        # check without a query per request (core/postgresql). random_page_cost: PostgreSQL's
        # documented value for data on SSDs or in memory (its default, 4, models spinning
        # disks and prefers a scan of a small table to its index); a later
        # `-c random_page_cost=` in DATABASE_URL's `options` overrides it.
        config["ENGINE"] = "core.postgresql"
        options = config.setdefault("OPTIONS", {})
        options["server_side_binding"] = True
        options["options"] = f"-c random_page_cost=1.1 {options.get('options', '')}".strip()
    # Persistent connections for both: a new one costs a PostgreSQL handshake, or for SQLite an
    # open plus the PRAGMAs above (~0.3-1 ms, more than the rest of a token-checked request).
    config["CONN_MAX_AGE"] = conn_max_age
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": database_config(env.DATABASE_URL, env.DATABASE_CONN_MAX_AGE)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's default list (PBKDF2 first, for user passwords), plus the client-secret hasher that
# DOT's CLIENT_SECRET_HASHER names: listed so `check_password` can identify its hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "identity.hashers.ClientSecretHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise serves the admin's and Swagger UI's files from the app servers (`make serve`
# collects them); hashed names let browsers cache them forever.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Pinned to the configured mode: pytest-django flips DEBUG off at run time, not the static setup.
WHITENOISE_AUTOREFRESH = DEBUG

# A sign-in page for every active user (the admin's admits staff only): DOT's authorize and
# application pages send people here.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/docs"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# The public client (authorization code + PKCE) Swagger UI signs in with; `bootstrap` registers it.
SWAGGER_UI_CLIENT_ID = env.SWAGGER_UI_CLIENT_ID

# Request bodies of the directory API are small; this bounds what a client can make us parse.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE

OAUTH2_PROVIDER: dict[str, Any] = {
    "SCOPES": {
        "read": "Read users and groups",
        "write": "Create, change and delete users and groups",
        "groups": "Access to groups and their members",
        "audit": "Read the audit trail",
        # SCIM 2.0 provisioning (directory/scim, docs/scim.md): a provisioning client's token.
        "scim": "Provision users and groups over SCIM 2.0",
        # OpenID Connect Core §5.4; identity/oidc.py gives each its claims (and `groups` the
        # groups claim). The API needs none of them (identity/scopes.py).
        "openid": "Sign you in: your user id",
        "profile": "Your username and name",
        "email": "Your email address",
    },
    # A token request without `scope` gets all three, as in the tutorial's step 4; `audit` and
    # the OpenID Connect scopes are asked for by name.
    "DEFAULT_SCOPES": ["read", "write", "groups"],
    # Secrets the server generates carry a keyed tag (identity/client_secrets.py) and get a
    # salted HMAC-SHA256; any other secret gets PBKDF2 (identity/hashers.py).
    "CLIENT_SECRET_GENERATOR_CLASS": "identity.client_secrets.TaggedClientSecretGenerator",
    "CLIENT_SECRET_HASHER": "client_secret_hmac_sha256",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.OAUTH2_ACCESS_TOKEN_EXPIRE_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.OAUTH2_REFRESH_TOKEN_EXPIRE_SECONDS,
    "OAUTH2_VALIDATOR_CLASS": "identity.oidc.DirectoryValidator",
    # Sign in with the directory (docs/sign-in-with-the-directory.md): RS256 ID tokens,
    # discovery, JWKS, userinfo and end-session under /o/. The issuer is OIDC_ISSUER, or
    # <the request's origin>/o.
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": signing_keys.active,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": signing_keys.inactive,
    "OIDC_ISS_ENDPOINT": env.OIDC_ISSUER or "",
    "ID_TOKEN_EXPIRE_SECONDS": env.OAUTH2_ACCESS_TOKEN_EXPIRE_SECONDS,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    # What the metadata documents advertise: the code flow only (DOT's hybrid and implicit
    # response types need applications of other grant types), the grants served here.
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    # client_credentials: for provisioning clients (SCIM, directory/scim), which act for their
    # application's owner (identity.auth.ClientCredentialsBearer).
    "OAUTH2_GRANT_TYPES_SUPPORTED": [
        "authorization_code",
        "password",
        "refresh_token",
        "client_credentials",
    ],
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # RFC 9700 gates that DOT 4.0 turns on, on now; all but the password grant (§2.4), which
    # the tutorial is built on (docs/security.md). §4.3.2: no access token in the query string.
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    # §4: only the SHA-256 checksum of a token is stored; a database leak leaks no usable token.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # `cleartokens` deletes in transactions of at most this many rows, each holding SQLite's
    # write lock (on PostgreSQL, the deleted rows' locks) well under 1 s on a loaded machine;
    # DOT's 10,000 came near 1 s on SQLite (docs/performance.md, `make bench-tokens`).
    "CLEAR_EXPIRED_TOKENS_BATCH_SIZE": 2000,
    # Loopback http redirect URIs (RFC 8252) only in development.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if DEBUG else ["https"],
}

BEHIND_TLS_PROXY = env.DJANGO_BEHIND_TLS_PROXY

# Brute-force protection (identity/throttle.py, docs/security.md). Failures are counted in the
# database, so every app server sharing it sees the same counts.
# A username is locked together with the address, so that nobody can lock an account for
# everybody else; the address alone only at a far higher limit (password spraying).
AXES_HANDLER = "identity.throttle.ThrottleHandler"
AXES_FAILURE_LIMIT = env.DJANGO_LOGIN_FAILURE_LIMIT
# Not axes' own setting: identity.throttle.ThrottleHandler's.
LOGIN_ADDRESS_FAILURE_LIMIT = env.DJANGO_LOGIN_ADDRESS_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=env.DJANGO_LOGIN_COOLOFF_SECONDS)
AXES_LOCKOUT_PARAMETERS = "identity.throttle.lockout_parameters"
AXES_USERNAME_CALLABLE = "identity.throttle.username_key"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "identity.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "identity.throttle.lockout_response"
AXES_VERBOSE = False
# Masked in axes' attempt records and log lines (username and address: axes' own default).
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "client_secret",
    "refresh_token",
    "access_token",
    "token",
    "code",
    "code_verifier",
    "current_password",
]

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.DJANGO_SECURE_SSL_REDIRECT
    # Load balancers probe over plain HTTP on the instance's own port.
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
    SECURE_HSTS_SECONDS = env.DJANGO_SECURE_HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.DJANGO_SECURE_HSTS_PRELOAD
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    # A client that sends a token, secret or password in a URL query must not have it printed
    # (runserver prints the request line): every handler redacts credential-named values.
    # Every line names the request it belongs to (core/request_id.py), `-` outside one.
    "filters": {
        "redact": {"()": "core.redaction.RedactCredentials"},
        "request_id": {"()": "core.request_id.RequestIdFilter"},
    },
    "formatters": {
        "console": {
            "format": "{levelname} {name} request_id={request_id} {message}",
            "style": "{",
        },
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] request_id={request_id} {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "console",
            "filters": ["redact", "request_id"],
        },
        # Django's own runserver access log, as in its DEFAULT_LOGGING, plus the filters.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.DJANGO_LOG_LEVEL},
    # Django's own console handler would print every record a second time through root.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # oauthlib's DEBUG tracing prints access and refresh tokens: never below INFO.
        "oauthlib": {"level": "INFO"},
    },
}
