"""Signing in from a browser: the sign-in page any active user can use, DOT's consent page,
and the authorization code grant with PKCE (RFC 7636) that replaces the password grant."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from oauth2_provider.models import Application

from tests.factories import PASSWORD, PublicClientFactory, UserFactory
from tests.helpers import Response

pytestmark = pytest.mark.django_db

REDIRECT_URI = "http://127.0.0.1:8000/docs/oauth2-redirect"


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636 §4.1-4.2)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(client_id: str, challenge: str | None, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "read groups",
        "state": "xyz",
        **extra,
    }
    if challenge:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return f"/o/authorize/?{urlencode(query)}"


def consent(client: Client, url: str) -> Response:
    """Show the consent page for `url`, then press Authorize."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"].initial
    return client.post(url, {**{k: v or "" for k, v in form.items()}, "allow": "Authorize"})


def code_from(response: Response) -> str:
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def exchange(client: Client, application: Application, code: str, verifier: str) -> Response:
    """The application's own request (Swagger UI's script): a client without the browser's
    session."""
    return client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": application.client_id,
            "code_verifier": verifier,
        },
    )


@pytest.fixture
def member() -> User:
    return UserFactory.create(username="frank")


def test_any_active_user_signs_in_on_the_sign_in_page(client: Client, member: User) -> None:
    response = client.post("/accounts/login/", {"username": "frank", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/docs"
    assert client.session["_auth_user_id"] == str(member.pk)


def test_the_admin_login_still_refuses_users_who_are_not_staff(
    client: Client, member: User
) -> None:
    response = client.post("/admin/login/", {"username": "frank", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("is_active", [True, False])
def test_a_wrong_password_or_an_inactive_user_is_refused(client: Client, is_active: bool) -> None:
    UserFactory.create(username="gina", is_active=is_active)
    password = "wrong-password" if is_active else PASSWORD
    response = client.post("/accounts/login/", {"username": "gina", "password": password})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_out_ends_the_session(client: Client, member: User) -> None:
    client.force_login(member)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_authorize_endpoint_sends_anonymous_users_to_the_sign_in_page(client: Client) -> None:
    application = PublicClientFactory.create()
    url = authorize_url(application.client_id, pkce_pair()[1])
    response = client.get(url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == [url]
    page = client.get(response["Location"]).content.decode()
    assert "An application asks to use the directory on your behalf" in page


def test_the_consent_page_names_the_client_the_user_and_the_scopes(
    client: Client, member: User
) -> None:
    application = PublicClientFactory.create(name="Swagger UI")
    client.force_login(member)
    html = client.get(authorize_url(application.client_id, pkce_pair()[1])).content.decode()
    assert "Authorize Swagger UI?" in html
    assert "<strong>frank</strong>" in html
    assert "Read users and groups" in html
    assert "Access to groups and their members" in html
    assert "Create, change and delete" not in html
    assert "/static/identity/site.css" in html


def test_the_code_grant_with_pkce_issues_a_token_that_the_api_accepts(
    client: Client, member: User
) -> None:
    application = PublicClientFactory.create()
    verifier, challenge = pkce_pair()
    client.force_login(member)
    code = code_from(consent(client, authorize_url(application.client_id, challenge)))

    response = exchange(Client(), application, code, verifier)
    assert response.status_code == 200
    token = response.json()
    assert token["scope"] == "read groups"
    # A client without the browser's session: the bearer token alone must do.
    api = Client(headers={"Authorization": f"Bearer {token['access_token']}"})
    assert api.get("/users/me/").json()["username"] == "frank"
    assert api.get("/groups/").status_code == 200
    assert api.post("/groups/", {"name": "nope"}).status_code == 403


def test_a_code_without_its_verifier_is_refused(client: Client, member: User) -> None:
    application = PublicClientFactory.create()
    _, challenge = pkce_pair()
    client.force_login(member)
    code = code_from(consent(client, authorize_url(application.client_id, challenge)))
    other_verifier, _ = pkce_pair()
    response = exchange(Client(), application, code, other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_an_authorization_request_without_pkce_is_refused(client: Client, member: User) -> None:
    application = PublicClientFactory.create()
    client.force_login(member)
    response = client.get(authorize_url(application.client_id, None))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["error_description"] == ["Code challenge required."]


def test_cancelling_on_the_consent_page_returns_access_denied(client: Client, member: User) -> None:
    application = PublicClientFactory.create()
    client.force_login(member)
    url = authorize_url(application.client_id, pkce_pair()[1])
    form = client.get(url).context["form"].initial
    response = client.post(url, {k: v or "" for k, v in form.items()})
    assert parse_qs(urlsplit(response["Location"]).query)["error"] == ["access_denied"]


def test_the_sign_in_page_shares_the_brute_force_lockout(client: Client, member: User) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"username": "frank", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"username": "frank", "password": PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "_auth_user_id" not in client.session
