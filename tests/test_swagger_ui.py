"""Swagger UI's sign-in wiring: the page configures the public client and PKCE, the return
page is served, and `bootstrap` registers the client with redirect URIs that match."""

import json
import re
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import Application

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def page_json(html: str, element_id: str) -> dict[str, object]:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, element_id
    parsed: dict[str, object] = json.loads(match[1])
    return parsed


def bootstrap(base_url: str) -> str:
    out = StringIO()
    call_command("bootstrap", base_url=base_url, stdout=out)
    return out.getvalue()


def test_docs_configure_the_public_client_with_pkce_and_the_return_page(client: Client) -> None:
    html = client.get("/docs", HTTP_HOST="127.0.0.1:8123").content.decode()
    settings = page_json(html, "swagger-settings")
    assert settings["oauth2RedirectUrl"] == "http://127.0.0.1:8123/docs/oauth2-redirect"
    assert settings["url"] == "/openapi.json"
    assert page_json(html, "swagger-init-oauth") == {
        "clientId": "swagger-ui",
        "usePkceWithAuthorizationCodeGrant": True,
    }
    assert "/static/identity/swagger-init.js" in html


def test_the_return_page_runs_swagger_uis_redirect_script_and_is_not_cached(
    client: Client,
) -> None:
    response = client.get("/docs/oauth2-redirect?code=abc&state=xyz")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "/static/identity/swagger-oauth2-redirect.js" in response.content.decode()


def test_bootstrap_registers_swagger_uis_public_client_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    assert "signs in as client swagger-ui" in bootstrap("http://127.0.0.1:9000")
    assert "swagger-ui" not in bootstrap("http://127.0.0.1:9000")
    application = Application.objects.get(client_id="swagger-ui")
    assert application.client_type == Application.CLIENT_PUBLIC
    assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert application.client_secret == ""
    assert application.redirect_uris.split() == [
        "http://127.0.0.1:9000/docs/oauth2-redirect",
        "http://localhost:9000/docs/oauth2-redirect",
    ]


@pytest.mark.parametrize(
    ("redirect_uri", "allowed"),
    [
        ("http://127.0.0.1:9000/docs/oauth2-redirect", True),
        # Any port on the loopback IP (RFC 8252 §7.3): tests' live servers and other PORTs.
        ("http://127.0.0.1:43210/docs/oauth2-redirect", True),
        ("http://localhost:9000/docs/oauth2-redirect", True),
        ("http://localhost:43210/docs/oauth2-redirect", False),
        ("http://evil.example/docs/oauth2-redirect", False),
    ],
)
def test_swagger_uis_client_may_return_only_to_its_registered_pages(
    client: Client, monkeypatch: pytest.MonkeyPatch, redirect_uri: str, allowed: bool
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    bootstrap("http://127.0.0.1:9000")
    client.force_login(UserFactory.create())
    query = {
        "response_type": "code",
        "client_id": "swagger-ui",
        "redirect_uri": redirect_uri,
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    response = client.get(f"/o/authorize/?{urlencode(query)}")
    html = response.content.decode()
    if allowed:
        assert response.status_code == 200
        assert "Authorize Swagger UI?" in html
    else:
        # RFC 6749 §4.1.2.1: a mismatching redirect URI is reported here, never redirected to.
        assert response.status_code == 400
        assert "Error: invalid_request" in html
