"""Swagger UI signs in with the authorization code grant and PKCE: /docs opens the sign-in
page in a popup, the user signs in and consents, and the API answers with that token."""

from io import StringIO

import pytest
from django.core.management import call_command
from oauth2_provider.models import AccessToken
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e import swagger
from tests.e2e.conftest import Steps
from tests.factories import PASSWORD, GroupFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_a_user_signs_in_from_swagger_ui_and_calls_the_api(
    page: Page, live_server: LiveServer, steps: Steps
) -> None:
    call_command("bootstrap", base_url=live_server.url, stdout=StringIO())
    judy = UserFactory.create(username="judy")  # not staff
    judy.groups.add(GroupFactory.create(name="support-desk"))

    page.goto("/docs")
    swagger.open_authorize_dialog(page)
    section = swagger.flow(page, "authorizationCode")
    expect(section.locator("#client_id_authorizationCode")).to_have_value("swagger-ui")
    swagger.choose_scopes(section, "authorizationCode", ["read", "groups"])
    with page.expect_popup() as opened:
        section.locator("button.authorize").click()
    popup = opened.value

    expect(popup.get_by_role("heading", name="Sign in")).to_be_visible()
    popup.fill("#id_username", "judy")
    popup.fill("#id_password", PASSWORD)
    steps(popup, "sign-in-page")
    popup.get_by_role("button", name="Sign in").click()

    expect(popup.get_by_role("heading")).to_have_text("Authorize Swagger UI?")
    expect(popup.locator(".scopes")).to_contain_text("Access to groups and their members")
    steps(popup, "consent-page")
    with popup.expect_event("close"):
        popup.get_by_role("button", name="Authorize", exact=True).click()

    expect(section.locator("button", has_text="Logout")).to_be_visible()
    swagger.close_dialog(page)
    assert swagger.run(page, "groups", "groups_list") == "200"
    expect(page.locator("#operations-groups-groups_list")).to_contain_text("support-desk")
    steps(page, "swagger-lists-groups-with-the-pkce-token")

    token = AccessToken.objects.get(user=judy)
    assert token.application.client_id == "swagger-ui"
    assert token.scope == "read groups"
