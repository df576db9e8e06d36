import pytest
from django.test import Client

from tests.factories import AccessTokenFactory, GroupFactory, SuperuserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changelist",
    [
        "auth/user",
        "auth/group",
        "oauth2_provider/application",
        "oauth2_provider/accesstoken",
        "oauth2_provider/refreshtoken",
        "oauth2_provider/grant",
        "oauth2_provider/idtoken",
    ],
)
def test_admin_lists_users_groups_and_dots_models(client: Client, changelist: str) -> None:
    AccessTokenFactory.create()
    GroupFactory.create()
    client.force_login(SuperuserFactory.create())
    assert client.get(f"/admin/{changelist}/").status_code == 200


def test_admin_requires_a_login(client: Client) -> None:
    response = client.get("/admin/auth/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_dots_application_pages_are_served(client: Client) -> None:
    client.force_login(SuperuserFactory.create())
    assert client.get("/o/applications/").status_code == 200
    assert client.get("/o/applications/register/").status_code == 200
