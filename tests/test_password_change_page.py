"""Changing one's own password in a browser, at /accounts/password_change/: Django's
PasswordChangeView, which keeps the current session and so ends every other one."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/accounts/password_change/"
NEW_PASSWORD = "a-new-and-longer-passphrase"


def signed_in(user: User) -> Client:
    browser = Client()
    assert browser.post("/accounts/login/", {"username": user.username, "password": PASSWORD})[
        "Location"
    ]
    return browser


def is_signed_in(browser: Client) -> bool:
    return browser.get("/o/applications/").status_code == 200


def change(browser: Client, old: str, new: str = NEW_PASSWORD) -> int:
    form = {"old_password": old, "new_password1": new, "new_password2": new}
    return browser.post(PAGE, form).status_code


def test_the_page_needs_a_signed_in_user(client: Client) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={PAGE}"


def test_a_user_changes_their_password_and_only_this_session_survives() -> None:
    user = UserFactory.create()
    here, elsewhere = signed_in(user), signed_in(user)
    page = here.get(PAGE)
    assert page.status_code == 200
    assert b"<title>Change password \xc2\xb7 Identity directory</title>" in page.content
    assert change(here, PASSWORD) == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_a_wrong_old_password_changes_nothing() -> None:
    user = UserFactory.create()
    browser = signed_in(user)
    assert change(browser, "not-the-password") == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert is_signed_in(browser)
