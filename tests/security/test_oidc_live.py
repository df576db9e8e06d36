"""Sign in with the directory against the service as deployed (tests/security/live.py:
runserver, DJANGO_DEBUG=false, its own database): Authlib's OAuth 2 client over real HTTP is
the relying party, a cookie-keeping HTTP client is the user's browser, which signs in and
consents through the pages' HTML forms with their CSRF tokens. The ID token is verified by
Authlib's OpenID code against the live JWKS (signature, iss, aud, exp, iat, nonce, at_hash)."""

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit
from urllib.request import Request

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client.sync_openid import OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session

from tests.factories import PASSWORD
from tests.html_forms import form_with
from tests.relying_party import REDIRECT_URI
from tests.security.live import Service, collect_static, live_service

SECRET = "live-relying-party-secret-0123456789"

SETUP = f"""
import json
from django.contrib.auth.models import Group, User
from oauth2_provider.models import Application

owner = User.objects.get(username="operator")
ada = User.objects.create_user(
    "ada", email="ada@example.com", password={PASSWORD!r}, first_name="Ada", last_name="Lovelace"
)
for name in ["engines", "analysts"]:
    Group.objects.create(name=name).user_set.add(ada)
app = Application.objects.create(
    name="Wiki", user=owner, client_type="confidential",
    authorization_grant_type="authorization-code", redirect_uris={REDIRECT_URI!r},
    algorithm="RS256", client_secret={SECRET!r},
)
print(json.dumps({{"client_id": app.client_id, "user_id": ada.pk}}))
"""


class LoopbackIsSecure(DefaultCookiePolicy):
    """As browsers treat http://127.0.0.1 (a potentially trustworthy origin, W3C Secure
    Contexts §3.2): the Secure cookies of DJANGO_DEBUG=false are sent back to it."""

    def return_ok_secure(self, cookie: Any, request: Request) -> bool:
        if urlsplit(request.get_full_url()).hostname == "127.0.0.1":
            return True
        result: bool = super().return_ok_secure(cookie, request)
        return result


class Browser:
    """The user's browser: cookies, redirects seen one by one, forms sent as typed."""

    def __init__(self) -> None:
        self.http = httpx.Client()
        # Its own jar: httpx copies a client's jar into one of the default policy per request.
        self.cookies = httpx.Cookies(CookieJar(policy=LoopbackIsSecure()))
        self.location = ""  # the last URL requested, against which a relative one resolves

    def send(self, method: str, url: str, data: dict[str, str] | None = None) -> httpx.Response:
        self.location = urljoin(self.location, url)
        request = self.http.build_request(method, self.location, data=data)
        self.cookies.set_cookie_header(request)
        response = self.http.send(request)
        self.cookies.extract_cookies(response)
        return response

    def get(self, url: str) -> httpx.Response:
        return self.send("GET", url)

    def submit(self, page: httpx.Response, name: str, **typed: str) -> httpx.Response:
        """The page's form that has `name` (a field or a button), sent with `typed`."""
        form = form_with(page.text, str(page.url), name)
        button = name if name in form.buttons else None
        assert form.fields.get("csrfmiddlewaretoken"), "the form carries its CSRF token"
        return self.send("POST", form.action, form.filled(button, **typed))

    def sign_in(self, to_sign_in: httpx.Response) -> httpx.Response:
        """From the redirect to the sign-in page to the redirect back to the request."""
        assert to_sign_in.status_code == 302, to_sign_in.text
        page = self.get(to_sign_in.headers["Location"])
        assert urlsplit(str(page.url)).path == "/accounts/login/"
        signed_in = self.submit(page, "password", username="ada", password=PASSWORD)
        assert signed_in.status_code == 302, signed_in.text
        return signed_in

    def consent(self, url: str) -> httpx.Response:
        page = self.get(url)
        assert page.status_code == 200, page.text
        return self.submit(page, "allow")


@dataclass
class LiveRelyingParty(OpenIDMixin):  # type: ignore[misc]
    """Authlib's OAuth2Session (requests) for the protocol, its OpenIDMixin for the ID
    token."""

    issuer_url: str
    client_id: str

    def __post_init__(self) -> None:
        self.client = OAuth2Session(
            client_id=self.client_id,
            client_secret=SECRET,
            redirect_uri=REDIRECT_URI,
            code_challenge_method="S256",
        )
        self.server_metadata: dict[str, Any] = {}

    def load_server_metadata(self) -> dict[str, Any]:
        if not self.server_metadata:
            response = self.client.get(
                f"{self.issuer_url}/.well-known/openid-configuration", withhold_token=True
            )
            response.raise_for_status()
            self.server_metadata = response.json()
        return self.server_metadata

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        response = self.client.get(self.load_server_metadata()["jwks_uri"], withhold_token=True)
        response.raise_for_status()
        jwks: dict[str, Any] = response.json()
        return jwks

    def sign_in(self, browser: Browser, scope: str, **extra: str) -> dict[str, Any]:
        """The whole flow; the ID token's verified claims and the token response."""
        url, verifier, nonce, state = self.authorization_url(scope, **extra)
        page = browser.get(url)
        if page.status_code == 302:  # to the sign-in page, unless signed in already
            page = browser.get(browser.sign_in(page).headers["Location"])
        assert page.status_code == 200, page.text
        return self.exchange(browser.submit(page, "allow"), verifier, nonce, state)

    def authorization_url(self, scope: str, **extra: str) -> tuple[str, str, str, str]:
        verifier, nonce = generate_token(48), generate_token(20)
        self.client.scope = scope
        url, state = self.client.create_authorization_url(
            self.load_server_metadata()["authorization_endpoint"],
            code_verifier=verifier,
            nonce=nonce,
            **extra,
        )
        return url, verifier, nonce, state

    def exchange(
        self, response: httpx.Response, verifier: str, nonce: str, state: str
    ) -> dict[str, Any]:
        assert response.status_code == 302, response.text
        location = response.headers["Location"]
        assert location.startswith(REDIRECT_URI + "?")
        query = parse_qs(urlsplit(location).query)
        assert query["iss"] == [self.load_server_metadata()["issuer"]]  # RFC 9207
        token = self.client.fetch_token(
            self.load_server_metadata()["token_endpoint"],
            authorization_response=location,
            state=state,
            code_verifier=verifier,
        )
        claims = dict(self.parse_id_token(token, nonce, leeway=5))
        return {"claims": claims, "token": token}

    def userinfo(self) -> dict[str, Any]:
        response = self.client.get(self.load_server_metadata()["userinfo_endpoint"])
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body


@dataclass(frozen=True)
class Live:
    service: Service
    client_id: str
    user_id: int


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    collect_static()  # the sign-in and consent pages link the stylesheet
    with live_service(tmp_path_factory.mktemp("oidc"), servers=1) as service:
        yield Live(service, **service.shell(SETUP))


@pytest.fixture
def rp(live: Live) -> Iterator[LiveRelyingParty]:
    relying_party = LiveRelyingParty(f"{live.service.urls[0]}/o", live.client_id)
    with relying_party.client:
        yield relying_party


@pytest.fixture
def browser() -> Iterator[Browser]:
    browser = Browser()
    with browser.http:
        yield browser


def test_a_relying_party_signs_a_user_in_over_http(
    live: Live, rp: LiveRelyingParty, browser: Browser
) -> None:
    before = int(time.time())
    result = rp.sign_in(browser, "openid profile email groups")
    claims = result["claims"]
    assert claims["iss"] == f"{live.service.urls[0]}/o"
    assert claims["aud"] == live.client_id
    assert before <= claims["auth_time"] <= int(time.time())
    expected = {
        "sub": str(live.user_id),
        "preferred_username": "ada",
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@example.com",
        "email_verified": False,
        "groups": ["analysts", "engines"],
    }
    assert {name: claims[name] for name in expected} == expected
    assert rp.userinfo() == expected
    assert live.service.shell(
        "import json; from django.contrib.auth.models import User; "
        "u = User.objects.get(username='ada'); "
        "print(json.dumps([u.pk, sorted(u.groups.values_list('name', flat=True))]))"
    ) == [live.user_id, expected["groups"]]


def test_prompt_login_over_http_signs_in_again_and_moves_auth_time(
    rp: LiveRelyingParty, browser: Browser
) -> None:
    first = rp.sign_in(browser, "openid")["claims"]
    time.sleep(1.1)  # auth_time counts whole seconds
    url, verifier, nonce, state = rp.authorization_url("openid", prompt="login")
    back = browser.sign_in(browser.get(url))  # the sign-in page despite the live session
    second = rp.exchange(browser.consent(back.headers["Location"]), verifier, nonce, state)
    assert second["claims"]["auth_time"] > first["auth_time"]


def test_max_age_over_http(rp: LiveRelyingParty, browser: Browser) -> None:
    first = rp.sign_in(browser, "openid")["claims"]

    url, verifier, nonce, state = rp.authorization_url("openid", max_age="3600")
    within = rp.exchange(browser.consent(url), verifier, nonce, state)  # no sign-in page
    assert within["claims"]["auth_time"] == first["auth_time"]

    time.sleep(1.1)
    url, verifier, nonce, state = rp.authorization_url("openid", max_age="0")
    back = browser.sign_in(browser.get(url))
    again = rp.exchange(browser.consent(back.headers["Location"]), verifier, nonce, state)
    assert again["claims"]["auth_time"] > first["auth_time"]


def test_prompt_none_over_http_answers_login_required(
    rp: LiveRelyingParty, browser: Browser
) -> None:
    url, *_, state = rp.authorization_url("openid", prompt="none")
    response = browser.get(url)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["error"] == ["login_required"]
    assert query["state"] == [state]


def test_the_id_token_names_a_key_of_the_live_jwks(rp: LiveRelyingParty, browser: Browser) -> None:
    token = rp.sign_in(browser, "openid")["token"]
    header_segment = token["id_token"].split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(header_segment + "=" * (-len(header_segment) % 4)))
    assert header["alg"] == "RS256"
    assert header["kid"] in {key["kid"] for key in rp.fetch_jwk_set()["keys"]}
