"""The tutorial's browser half, clicked through: the admin, DOT's registration page, a token
over HTTP, and Swagger UI's Authorize with the password flow."""

import base64

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import APIRequestContext, Page, expect

from tests.e2e import swagger
from tests.e2e.conftest import Steps
from tests.factories import PASSWORD, SuperuserFactory

pytestmark = pytest.mark.e2e


def admin_creates_a_group_and_a_member(page: Page, steps: Steps) -> None:
    page.goto("/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    steps(page, "admin-signed-in")

    page.goto("/admin/auth/group/add/")
    page.fill("#id_name", "reporters")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("reporters")

    page.goto("/admin/auth/user/add/")
    page.fill("#id_username", "ivy")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("ivy")

    page.select_option("#id_groups_from", label="reporters")
    page.click("#id_groups_add")
    steps(page, "admin-adds-the-user-to-the-group")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def register_a_confidential_password_client(page: Page, steps: Steps) -> tuple[str, str]:
    page.goto("/o/applications/register/")
    page.fill("#id_name", "Reporting")
    page.select_option("#id_client_type", "confidential")
    page.select_option("#id_authorization_grant_type", "password")
    client_id = page.input_value("#id_client_id")
    client_secret = page.input_value("#id_client_secret")
    steps(page, "register-an-application")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading")).to_have_text("Reporting is registered")
    expect(page.locator("#client_id")).to_have_value(client_id)
    expect(page.locator("#client_secret")).to_have_value(client_secret)
    steps(page, "the-secret-shown-once")
    page.get_by_role("link", name="I have copied it").click()
    expect(page.locator("main")).to_contain_text("Stored hashed")
    expect(page.locator("main")).not_to_contain_text(client_secret)
    return client_id, client_secret


def token_over_http(http: APIRequestContext, client_id: str, client_secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = http.post(
        "/o/token/",
        form={"grant_type": "password", "username": "ivy", "password": PASSWORD},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status == 200, response.text()
    token: str = response.json()["access_token"]
    return token


def authorize_with_password(page: Page, client: tuple[str, str], scopes: list[str]) -> None:
    swagger.open_authorize_dialog(page)
    section = swagger.flow(page, "password")
    section.locator("#oauth_username").fill("ivy")
    section.locator("#oauth_password").fill(PASSWORD)
    section.locator("#client_id_password").fill(client[0])
    section.locator("#client_secret_password").fill(client[1])
    swagger.choose_scopes(section, "password", scopes)
    section.locator("button.authorize").click()
    expect(section.locator("button", has_text="Logout")).to_be_visible()
    # Signed in with the password flow only: the code flow still offers its own sign-in.
    code_flow = swagger.flow(page, "authorizationCode")
    expect(code_flow.locator("button", has_text="Logout")).to_have_count(0)
    expect(code_flow.locator("button.authorize")).to_be_visible()


def log_out_of_swagger(page: Page) -> None:
    swagger.open_authorize_dialog(page)
    swagger.flow(page, "password").locator("button", has_text="Logout").click()
    swagger.close_dialog(page)


def test_the_tutorial_from_admin_to_swagger_ui(
    page: Page, http: APIRequestContext, steps: Steps
) -> None:
    SuperuserFactory.create(username="root")

    admin_creates_a_group_and_a_member(page, steps)
    ivy = User.objects.get(username="ivy")
    assert list(ivy.groups.values_list("name", flat=True)) == ["reporters"]

    client = register_a_confidential_password_client(page, steps)

    bearer = {"Authorization": f"Bearer {token_over_http(http, *client)}"}
    users = http.get("/users/", headers=bearer)
    assert users.status == 200
    assert "ivy" in {user["username"] for user in users.json()["items"]}
    groups = http.get("/groups/", headers=bearer)
    assert groups.status == 200
    assert [group["name"] for group in groups.json()["items"]] == ["reporters"]

    page.goto("/docs")
    authorize_with_password(page, client, ["read", "groups"])
    steps(page, "swagger-authorized-with-the-password-flow")
    swagger.close_dialog(page)
    assert swagger.run(page, "users", "users_list") == "200"
    steps(page, "swagger-lists-users")

    log_out_of_swagger(page)
    authorize_with_password(page, client, ["read"])
    swagger.close_dialog(page)
    assert swagger.run(page, "groups", "groups_list") == "403"
    expect(page.locator("#operations-groups-groups_list")).to_contain_text("insufficient_scope")
    steps(page, "swagger-read-only-token-gets-403-on-groups")
