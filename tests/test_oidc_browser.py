"""The browser side of sign-in with the directory (identity/authorization.py): the code flow
with PKCE through the sign-in and consent pages' own HTML forms (CSRF checked), `prompt=login`,
`max_age`, `prompt=none`'s error answers, and `auth_time` as the real time of the sign-in.
Authlib is the relying party (tests/relying_party.py)."""

import base64
import time
from io import StringIO
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import Application, Grant

from identity.models import GrantSignIn
from identity.revocation import tokens_revoke_for_user
from identity.sign_in_time import SESSION_KEY
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import Response
from tests.html_forms import form_with
from tests.relying_party import REDIRECT_URI, Authorization, RelyingParty

pytestmark = pytest.mark.django_db

SECRET = "relying-party-secret-0123456789"
HOUR = 3600


def relying_party(**fields: Any) -> RelyingParty:
    application = ApplicationFactory.create(
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=SECRET,
        **fields,
    )
    return RelyingParty(client_id=application.client_id, client_secret=SECRET)


@pytest.fixture
def rp() -> RelyingParty:
    return relying_party(name="Wiki")


@pytest.fixture
def user() -> User:
    return UserFactory.create(username="ada")  # neither staff nor holding any permission


def basic(client_id: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{SECRET}".encode()).decode()


def new_browser() -> Client:
    return Client(enforce_csrf_checks=True)


def sign_in_form(browser: Client, response: Response) -> Response:
    """From a redirect to the sign-in page: the page, then its form sent with the password."""
    assert response.status_code == 302, response
    assert response["Location"].startswith("/accounts/login/?next=")
    page = browser.get(response["Location"])
    assert page.status_code == 200
    form = form_with(page.content.decode(), "http://testserver" + response["Location"], "password")
    signed_in = browser.post(form.action, form.filled(username="ada", password=PASSWORD))
    assert signed_in.status_code == 302, signed_in.content
    return signed_in


def consent(browser: Client, url: str) -> Response:
    """The consent page at `url`, and its form sent with Authorize."""
    page = browser.get(url)
    assert page.status_code == 200, page
    form = form_with(page.content.decode(), urljoin("http://testserver/", url), "allow")
    return browser.post(form.action, form.filled("allow"))


def signed_in_browser() -> Client:
    browser = new_browser()
    sign_in_form(browser, browser.get("/o/authorize/?client_id=x"))  # any page that asks
    return browser


def age_session(browser: Client, seconds: int) -> int:
    """Makes the browser's sign-in `seconds` older than it is; its new time."""
    session = browser.session
    session[SESSION_KEY] -= seconds
    session.save()
    signed_in_at: int = session[SESSION_KEY]
    return signed_in_at


def id_token(rp: RelyingParty, response: Response, authorization: Authorization) -> Any:
    token = rp.token(rp.code_from(response, authorization), authorization)
    assert token.status_code == 200, token.content
    return rp.verify(token.json(), authorization.nonce)


def error_of(response: Response, authorization: Authorization) -> dict[str, str]:
    """OpenID Connect Core §3.1.2.6: the error the client's redirect URI receives."""
    assert response.status_code == 302, response
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert query["state"] == authorization.state
    assert query["iss"] == "http://testserver/o"
    return query


def test_a_user_without_privileges_signs_in_and_consents_through_the_pages(
    rp: RelyingParty, user: User
) -> None:
    authorization = rp.authorization("openid profile")
    browser = new_browser()
    before = int(time.time())
    back = sign_in_form(browser, browser.get(authorization.url))
    claims = id_token(rp, consent(browser, back["Location"]), authorization)
    assert claims["sub"] == str(user.pk)
    assert claims["preferred_username"] == "ada"
    assert claims["nonce"] == authorization.nonce
    assert before <= claims["auth_time"] <= int(time.time())


def test_prompt_login_asks_for_the_password_again_despite_a_live_session(
    rp: RelyingParty, user: User
) -> None:
    browser = signed_in_browser()
    age_session(browser, HOUR)
    authorization = rp.authorization("openid", prompt="login")
    before = int(time.time())
    back = sign_in_form(browser, browser.get(authorization.url))
    assert "prompt" not in parse_qs(urlsplit(back["Location"]).query)  # consumed
    claims = id_token(rp, consent(browser, back["Location"]), authorization)
    assert claims["auth_time"] >= before


def test_prompt_login_keeps_the_requests_other_prompt_values(rp: RelyingParty, user: User) -> None:
    browser = signed_in_browser()
    response = browser.get(rp.authorization("openid", prompt="login consent").url)
    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    assert parse_qs(urlsplit(next_url).query)["prompt"] == ["consent"]


def test_a_session_older_than_max_age_signs_in_again(rp: RelyingParty, user: User) -> None:
    browser = signed_in_browser()
    age_session(browser, 600)
    authorization = rp.authorization("openid", max_age="300")
    before = int(time.time())
    back = sign_in_form(browser, browser.get(authorization.url))
    claims = id_token(rp, consent(browser, back["Location"]), authorization)
    assert claims["auth_time"] >= before


def test_a_session_within_max_age_goes_straight_to_consent(rp: RelyingParty, user: User) -> None:
    browser = signed_in_browser()
    signed_in_at = age_session(browser, 100)
    authorization = rp.authorization("openid", max_age="300")
    claims = id_token(rp, consent(browser, authorization.url), authorization)
    assert claims["auth_time"] == signed_in_at


def test_max_age_zero_asks_for_one_sign_in_and_no_more(rp: RelyingParty, user: User) -> None:
    browser = signed_in_browser()
    authorization = rp.authorization("openid", max_age="0")
    back = sign_in_form(browser, browser.get(authorization.url))
    time.sleep(1.1)  # a whole second later, the new sign-in is older than max_age=0 too
    claims = id_token(rp, consent(browser, back["Location"]), authorization)
    assert claims["nonce"] == authorization.nonce


def test_auth_time_is_this_sessions_sign_in_not_the_users_latest(
    rp: RelyingParty, user: User
) -> None:
    browser = signed_in_browser()
    signed_in_at = age_session(browser, HOUR)
    signed_in_browser()  # the same user elsewhere, later: moves last_login
    user.refresh_from_db()
    assert user.last_login is not None
    assert user.last_login.timestamp() > signed_in_at + 60
    authorization = rp.authorization("openid")
    claims = id_token(rp, consent(browser, authorization.url), authorization)
    assert claims["auth_time"] == signed_in_at


def test_a_refreshed_id_token_keeps_the_original_auth_time(rp: RelyingParty, user: User) -> None:
    browser = signed_in_browser()
    signed_in_at = age_session(browser, HOUR)
    authorization = rp.authorization("openid")
    code = rp.code_from(consent(browser, authorization.url), authorization)
    token = rp.token(code, authorization).json()
    for _ in range(2):  # and the refresh of a refreshed token
        refreshed = rp.http.post(
            "/o/token/",
            {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
            headers={"Authorization": basic(rp.client_id)},
        )
        assert refreshed.status_code == 200, refreshed.content
        token = refreshed.json()
        claims = rp.parse_id_token(token, nonce=None, leeway=0)
        assert claims["auth_time"] == signed_in_at


def test_the_code_exchange_leaves_no_grant_nor_sign_in_time(rp: RelyingParty, user: User) -> None:
    browser = signed_in_browser()
    authorization = rp.authorization("openid")
    response = consent(browser, authorization.url)
    assert GrantSignIn.objects.count() == 1
    id_token(rp, response, authorization)
    assert not Grant.objects.exists()
    assert not GrantSignIn.objects.exists()


def test_prompt_none_signed_out_answers_login_required(rp: RelyingParty, user: User) -> None:
    authorization = rp.authorization("openid", prompt="none")
    error = error_of(new_browser().get(authorization.url), authorization)
    assert error["error"] == "login_required"


def test_prompt_none_without_consent_answers_consent_required(rp: RelyingParty, user: User) -> None:
    authorization = rp.authorization("openid", prompt="none")
    error = error_of(signed_in_browser().get(authorization.url), authorization)
    assert error["error"] == "consent_required"


def test_prompt_none_with_a_session_older_than_max_age_answers_login_required(
    rp: RelyingParty, user: User
) -> None:
    browser = signed_in_browser()
    age_session(browser, 600)
    authorization = rp.authorization("openid", prompt="none", max_age="300")
    assert error_of(browser.get(authorization.url), authorization)["error"] == "login_required"


def test_prompt_none_signs_in_silently_where_no_consent_is_asked(user: User) -> None:
    rp = relying_party(name="Intranet", skip_authorization=True)
    browser = signed_in_browser()
    signed_in_at = browser.session[SESSION_KEY]
    authorization = rp.authorization("openid", prompt="none")
    claims = id_token(rp, browser.get(authorization.url), authorization)
    assert claims["sub"] == str(user.pk)
    assert claims["auth_time"] == signed_in_at


def test_prompt_none_never_redirects_to_an_unregistered_uri(rp: RelyingParty, user: User) -> None:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": "https://attacker.example/",
            "scope": "openid",
            "prompt": "none",
        }
    )
    for browser in (new_browser(), signed_in_browser()):
        response = browser.get(f"/o/authorize/?{query}")
        assert response.status_code == 400
        assert "attacker" not in response.get("Location", "")


@pytest.mark.parametrize("max_age", ["soon", "-1", "1.5", "٣"])
def test_a_max_age_that_is_not_whole_seconds_is_an_invalid_request(
    rp: RelyingParty, user: User, max_age: str
) -> None:
    authorization = rp.authorization("openid", max_age=max_age)
    error = error_of(signed_in_browser().get(authorization.url), authorization)
    assert error["error"] == "invalid_request"
    assert "max_age" in error["error_description"]


def test_a_request_without_openid_and_these_parameters_is_dots_as_before(
    user: User,
) -> None:
    """Swagger UI's kind of request: a public client, PKCE, API scopes only."""
    rp = relying_party(name="Docs", client_type=Application.CLIENT_PUBLIC)
    browser = signed_in_browser()
    authorization = rp.authorization("read")
    response = consent(browser, authorization.url)
    assert rp.code_from(response, authorization)
    assert not GrantSignIn.objects.exists()


@pytest.mark.parametrize("client_type", ["confidential", "public"])
def test_a_client_registered_as_the_readme_says_signs_users_in(
    user: User, client_type: str
) -> None:
    out = StringIO()
    call_command(
        "createapplication",
        client_type,
        "authorization-code",
        "--name=Wiki",
        "--client-id=wiki",
        "--algorithm=RS256",
        f"--redirect-uris={REDIRECT_URI}",
        stdout=out,
    )
    secret = out.getvalue().split("client_secret: ")[1].strip()
    rp = RelyingParty(
        client_id="wiki", client_secret=secret if client_type == "confidential" else ""
    )
    authorization = rp.authorization("openid profile")
    claims = id_token(rp, consent(signed_in_browser(), authorization.url), authorization)
    assert claims["preferred_username"] == "ada"


def test_revoking_a_users_tokens_takes_their_codes_sign_in_times_along(
    rp: RelyingParty, user: User
) -> None:
    authorization = rp.authorization("openid")
    rp.code_from(consent(signed_in_browser(), authorization.url), authorization)
    tokens_revoke_for_user(user=user)
    assert not Grant.objects.exists()
    assert not GrantSignIn.objects.exists()
