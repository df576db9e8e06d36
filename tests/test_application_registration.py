"""Registering a client on DOT's page: the secret is shown once, in cleartext, and stored
hashed; it works at the token endpoint."""

import base64
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import resolve, reverse
from oauth2_provider.models import Application

from identity.pages import ApplicationRegistration
from tests.factories import PASSWORD, UserFactory
from tests.helpers import Response

pytestmark = pytest.mark.django_db

SECRET = "s3cret-" + "x" * 40


def register(client: Client, **fields: str) -> Response:
    form = {
        "name": "Reporting",
        "client_id": "reporting-client",
        "client_secret": SECRET,
        "hash_client_secret": "on",
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_PASSWORD,
        "redirect_uris": "",
        "post_logout_redirect_uris": "",
        "allowed_origins": "",
        "algorithm": "",
        **fields,
    }
    return client.post("/o/applications/register/", form)


@pytest.fixture
def owner_client(client: Client) -> Client:
    client.force_login(UserFactory.create(username="henry"))
    return client


def test_dots_registration_links_lead_to_the_page_that_shows_the_secret() -> None:
    match = resolve(reverse("oauth2_provider:register"))
    assert match.func.view_class is ApplicationRegistration  # type: ignore[attr-defined]


def test_registration_needs_a_signed_in_user(client: Client) -> None:
    response = client.get("/o/applications/register/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/o/applications/register/")


def test_the_new_client_secret_is_shown_once_and_stored_hashed(owner_client: Client) -> None:
    response = register(owner_client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert f'id="client_secret" type="text" value="{SECRET}"' in html
    assert "this page is the only time it is shown" in html

    application = Application.objects.get(client_id="reporting-client")
    assert application.user.username == "henry"
    assert application.client_secret != SECRET
    assert check_password(SECRET, application.client_secret)

    detail = owner_client.get(f"/o/applications/{application.pk}/").content.decode()
    assert SECRET not in detail
    assert application.client_secret not in detail
    assert "Stored hashed" in detail


def test_a_secret_stored_in_clear_stays_readable_on_the_detail_page(owner_client: Client) -> None:
    response = register(owner_client, hash_client_secret="")
    assert "the only time it is shown" not in response.content.decode()
    application = Application.objects.get(client_id="reporting-client")
    assert application.client_secret == SECRET
    assert SECRET in owner_client.get(f"/o/applications/{application.pk}/").content.decode()


def test_the_shown_credentials_get_a_token_for_the_tutorial(owner_client: Client) -> None:
    html = register(owner_client).content.decode()
    client_id, client_secret = (
        re.search(rf'id="{name}" type="text" value="([^"]+)"', html)[1]  # type: ignore[index]
        for name in ("client_id", "client_secret")
    )
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    response = Client().post(  # curl, as in the tutorial: not the signed-in browser
        "/o/token/",
        {"grant_type": "password", "username": "henry", "password": PASSWORD},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "read write groups"


def test_an_invalid_registration_shows_the_form_again(owner_client: Client) -> None:
    response = register(owner_client, authorization_grant_type="no-such-grant")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Application.objects.exists()


def test_the_form_says_the_secret_is_shown_again_after_saving(owner_client: Client) -> None:
    html = owner_client.get("/o/applications/register/").content.decode()
    assert "The next page shows this secret once more" in html
    assert "Copy and store this secret now. Once saved" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/o/applications/nope/",
        "/o/applications/nope/delete/",
        "/o/applications/nope/update/",
        "/o/authorized_tokens/nope/delete/",
    ],
)
def test_a_page_of_dots_naming_no_integer_id_is_a_404(owner_client: Client, path: str) -> None:
    assert owner_client.get(path).status_code == 404


def test_a_page_of_dots_still_opens_by_its_integer_id(owner_client: Client) -> None:
    owner = owner_client.get("/o/applications/").wsgi_request.user
    application = Application.objects.create(
        name="mine", user=owner, client_type="confidential", authorization_grant_type="password"
    )
    assert owner_client.get(f"/o/applications/{application.pk}/").status_code == 200
    assert reverse("oauth2_provider:detail", args=[application.pk]).endswith(
        f"/o/applications/{application.pk}/"
    )
