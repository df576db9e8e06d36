"""Sign in with the directory in a real browser: an application's authorization request
opens the sign-in page, the user signs in and consents, and the browser lands on the
application's redirect URI with a code Authlib exchanges and verifies; `prompt=login` shows
the sign-in page again to the signed-in browser."""

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from oauth2_provider.models import Application
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import Steps
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.relying_party import REDIRECT_URI, Authorization, RelyingParty

pytestmark = pytest.mark.e2e

SECRET = "relying-party-secret-0123456789"


@pytest.fixture
def rp(live_server: LiveServer, context: BrowserContext) -> RelyingParty:
    # The application's own site is not running: the browser's arrival there is the answer.
    context.route(f"{REDIRECT_URI}**", lambda route: route.fulfill(status=200, body="back"))
    application = ApplicationFactory.create(
        name="Wiki",
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        algorithm=Application.RS256_ALGORITHM,
        client_secret=SECRET,
    )
    # The relying party's server-side requests name the live server's host, so the issuer it
    # reads in discovery is the one the browser's answers carry.
    host = urlsplit(live_server.url).netloc
    return RelyingParty(application.client_id, SECRET, extra={"Host": host})


def sign_in_and_consent(page: Page, authorization: Authorization, steps: Steps) -> str:
    """From the sign-in page to the application's redirect URI; the URL the browser lands on."""
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.fill("#id_username", "judy")
    page.fill("#id_password", PASSWORD)
    steps(page, "sign-in-page")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading")).to_have_text("Authorize Wiki?")
    steps(page, "consent-page")
    with page.expect_request(f"{REDIRECT_URI}**") as back:
        page.get_by_role("button", name="Authorize", exact=True).click()
    return back.value.url


def test_a_user_signs_in_to_an_application_and_again_on_prompt_login(
    page: Page, rp: RelyingParty, steps: Steps
) -> None:
    judy = UserFactory.create(username="judy")  # not staff

    first = rp.authorization("openid profile")
    page.goto(first.url)
    landed = sign_in_and_consent(page, first, steps)
    claims = rp.verify(exchange(rp, landed, first), first.nonce)
    assert claims["sub"] == str(judy.pk)
    assert claims["preferred_username"] == "judy"

    time.sleep(1.1)  # auth_time counts whole seconds
    again = rp.authorization("openid", prompt="login")
    page.goto(again.url)  # signed in, yet asked for the password
    landed = sign_in_and_consent(page, again, steps)
    assert rp.verify(exchange(rp, landed, again), again.nonce)["auth_time"] > claims["auth_time"]


def exchange(rp: RelyingParty, landed: str, authorization: Authorization) -> dict[str, Any]:
    response = rp.token(rp.code_at(landed, authorization), authorization)
    assert response.status_code == 200, response.content
    token: dict[str, Any] = response.json()
    return token
