"""Every HTML page names itself in its title, before the site's name: DOT's pages too, whose
own templates set no title."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import AccessTokenFactory, ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
SITE = " · Identity directory"


def title(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    found = TITLE.search(response.content.decode())
    assert found, path
    return " ".join(found.group(1).split())


@pytest.fixture
def signed_in(client: Client) -> User:
    user: User = UserFactory.create()
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/accounts/password_change/", "Change password"),
        ("/accounts/password_change/done/", "Password changed"),
        ("/o/applications/", "Your applications"),
        ("/o/applications/register/", "Register a new application"),
        ("/o/applications/{application}/", "Wiki"),
        ("/o/applications/{application}/update/", "Edit application Wiki"),
        ("/o/applications/{application}/delete/", "Delete application Wiki"),
        ("/o/authorized_tokens/", "Tokens"),
        ("/o/authorized_tokens/{token}/delete/", "Revoke token"),
    ],
)
def test_each_page_of_a_signed_in_user_has_its_own_title(
    client: Client, signed_in: User, path: str, expected: str
) -> None:
    application = ApplicationFactory.create(user=signed_in, name="Wiki")
    token = AccessTokenFactory.create(user=signed_in, application=application)
    page = path.format(application=application.pk, token=token.pk)
    assert title(client, page) == expected + SITE


def test_the_sign_in_page_has_its_own_title(client: Client) -> None:
    assert title(client, "/accounts/login/") == "Sign in" + SITE
