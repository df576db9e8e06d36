"""Tokens, client secrets and passwords never reach the logs, whatever the level, nor the
servers' access logs, even when a client puts them in a URL."""

import base64
import logging
import socket
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import UserFactory
from tests.helpers import ROOT
from tests.security.conftest import CLIENT_SECRET, OAuthClient
from tests.security.live import GUNICORN_CONFIG, Reply, Service, live_service

pytestmark = pytest.mark.django_db

PASSWORD = "Log-Test-Passphrase-31"
NEW_PASSWORD = "Log-Test-Passphrase-32"
WRONG_PASSWORD = "Log-Test-Wrong-Passphrase-33"
# Every logger at DEBUG, except those the settings pin higher because they print secrets.
LOGGERS = [
    "",
    "django",
    "django.request",
    "django.db.backends",
    "django.server",
    "oauthlib",
    "oauth2_provider",
    "axes",
    "ninja",
]


PINNED = {name for name, config in django_settings.LOGGING["loggers"].items() if "level" in config}


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        if name not in PINNED:
            caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def rendered(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    # factory_boy's own DEBUG lines (test data set-up) are not the service's logs.
    for record in (r for r in caplog.records if not r.name.startswith("factory")):
        lines.append(record.getMessage())
        lines.append(repr(record.args))
        lines.append(repr(getattr(record, "request", "")))
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_the_full_flow_logs_no_secret(
    client: Client,
    oauth_client: OAuthClient,
    settings: Settings,
    everything: pytest.LogCaptureFixture,
    debug: bool,
) -> None:
    settings.DEBUG = debug
    user = UserFactory.create(password=PASSWORD, permissions=["auth.change_user"])
    secrets = [PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, CLIENT_SECRET]

    assert oauth_client.password_grant(client, user.username, WRONG_PASSWORD).status_code == 400
    assert (
        oauth_client.password_grant(
            client, user.username, PASSWORD, secret="bad-secret"
        ).status_code
        == 401
    )
    issued = oauth_client.password_grant(client, user.username, PASSWORD).json()
    secrets += [issued["access_token"], issued["refresh_token"]]
    headers = {"Authorization": f"Bearer {issued['access_token']}"}

    assert client.get("/users/me/", headers=headers).status_code == 200
    # Refused before any lookup; the URL itself is in every access log on the way, which is
    # why RFC 9700 §4.3.2 forbids it (docs/security.md).
    assert client.get("/users/?access_token=not-a-secret").status_code == 400
    assert client.get("/users/", headers={"Authorization": "Basic " + "x" * 20}).status_code == 401
    assert (
        client.get(
            "/users/", headers={"Authorization": f"Bearer {issued['access_token']}x"}
        ).status_code
        == 401
    )
    changed = client.patch(
        f"/users/{user.pk}/",
        {"password": NEW_PASSWORD, "current_password": PASSWORD},
        content_type="application/json",
        headers=headers,
    )
    assert changed.status_code == 200
    # The change revoked the user's tokens (README "Token policy"): sign in again.
    issued = oauth_client.password_grant(client, user.username, NEW_PASSWORD).json()
    secrets += [issued["access_token"], issued["refresh_token"]]
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    weak = client.post(
        "/users/",
        {"username": "weak", "password": "123"},
        content_type="application/json",
        headers=headers,
    )
    assert weak.status_code in (403, 422)

    refreshed = oauth_client.token(
        client, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    ).json()
    secrets += [refreshed["access_token"], refreshed["refresh_token"]]
    assert (
        oauth_client.token(
            client, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
        ).status_code
        == 400
    )
    revoked = client.post(
        "/o/revoke_token/", {"token": refreshed["access_token"]}, headers=oauth_client.basic()
    )
    assert revoked.status_code == 200
    stale = {"Authorization": f"Bearer {refreshed['access_token']}"}
    assert client.get("/users/me/", headers=stale).status_code == 401

    logs = rendered(everything)
    assert everything.records, "nothing was captured: the test would prove nothing"
    assert [secret for secret in secrets if secret in logs] == []


BAD_CLIENT_SECRET = "Log-Test-Bad-Client-Secret-34"
# How each server logs a request line it cannot parse as HTTP/1.x.
BAD_REQUEST_LINE = {
    "runserver": '"GET /o/introspect/?token=***" 400',
    "gunicorn": "Invalid HTTP request line: 'GET /o/introspect/?token=***'",
}


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def exercise(service: Service, n: int) -> list[str]:
    """The whole flow against server `n`, with the mistakes a client can make in a URL; the
    tokens it was issued."""
    client = basic(service.client_id, service.client_secret)
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def post(path: str, fields: dict[str, str], headers: dict[str, str] = client) -> Reply:
        return service.send(n, "POST", path, urlencode(fields).encode(), {**form, **headers})

    def get(path: str, headers: dict[str, str]) -> Reply:
        return service.send(n, "GET", path, None, headers)

    grant = {"grant_type": "password", "username": service.username, "password": service.password}
    assert post("/o/token/", {**grant, "password": WRONG_PASSWORD}).status == 400
    assert post("/o/token/", grant, basic(service.client_id, BAD_CLIENT_SECRET)).status == 401
    issued = post("/o/token/", grant).body
    access, refresh = issued["access_token"], issued["refresh_token"]
    me = get("/users/me/", {"Authorization": f"Bearer {access}", "X-Request-ID": f"me-{n}"})
    assert (me.status, me.headers["X-Request-ID"]) == (200, f"me-{n}")
    assert post("/o/introspect/", {"token": access}).body["active"] is True
    # Credentials in a URL: refused, and every server on the way has logged the URL.
    assert get(f"/o/introspect/?token={access}", client).status == 405
    assert get(f"/users/?access_token={access}", {"X-Request-ID": f"query-{n}"}).status == 400
    in_query = urlencode({**grant, "client_secret": service.client_secret})
    assert post(f"/o/token/?{in_query}", grant).status == 400
    # A request line the server cannot parse, which it quotes in its error log.
    url = urlsplit(service.urls[n])
    with socket.create_connection((url.hostname, url.port), timeout=30) as raw:
        raw.sendall(f"GET /o/introspect/?token={access}\r\n\r\n".encode())
        assert raw.recv(65536)  # an answer (HTTP/0.9 from runserver: a body alone)
    refreshed = post("/o/token/", {"grant_type": "refresh_token", "refresh_token": refresh}).body
    assert post("/o/revoke_token/", {"token": refreshed["access_token"]}).status == 200
    return [access, refresh, refreshed["access_token"], refreshed["refresh_token"]]


def test_neither_server_logs_a_secret_even_one_sent_in_a_url(tmp_path: Path) -> None:
    """runserver's `django.server` lines and gunicorn's access log (with `--access-logfile -`)
    print each request line, query string included; both servers quote a malformed one."""
    with live_service(tmp_path, servers=("runserver", "gunicorn")) as service:
        secrets = [service.password, service.client_secret, WRONG_PASSWORD, BAD_CLIENT_SECRET]
        for n in range(len(service.urls)):
            secrets += exercise(service, n)
    for log in service.logs:
        text = log.read_text(errors="replace")
        # The requests were logged, with the credentials' values redacted.
        assert '"GET /users/me/ HTTP/1.1" 200' in text, text
        assert '"GET /o/introspect/?token=*** HTTP/1.1" 405' in text, text
        assert '"GET /users/?access_token=*** HTTP/1.1" 400' in text, text
        assert '&password=***&client_secret=*** HTTP/1.1" 400' in text, text
        assert BAD_REQUEST_LINE[log.name.split("-")[0]] in text, text
        assert [secret for secret in secrets if secret in text] == [], log.name
    for n, log in enumerate(service.logs):
        lines = log.read_text(errors="replace").splitlines()
        # The request line carries the id the client sent; so does django.request's warning.
        assert [line for line in lines if f"request_id=me-{n}" in line] == [
            line for line in lines if '"GET /users/me/ HTTP/1.1" 200' in line
        ], lines
        assert len([line for line in lines if f"request_id=query-{n}" in line]) == 2, lines
        assert f"request_id=query-{n} Bad Request: /users/" in "\n".join(lines)


@pytest.mark.parametrize("script", ["serve", "contract.sh"])
def test_the_scripts_run_gunicorn_with_the_redacting_config(script: str) -> None:
    """The config the test above runs gunicorn with is the one `make serve` and `make contract`
    give it."""
    assert f"--config {GUNICORN_CONFIG} " in (ROOT / "scripts" / script).read_text()
