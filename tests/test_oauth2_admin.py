"""The admin pages for DOT's models: what an operator needs to see, search and filter,
without ever showing a usable token."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    AccessTokenFactory,
    ApplicationFactory,
    GrantFactory,
    PublicClientFactory,
    RefreshTokenFactory,
    SuperuserFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(SuperuserFactory.create(username="operator"))
    return client


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_application_list_shows_owner_grant_client_type_and_redirect_uris(
    admin_client: Client,
) -> None:
    PublicClientFactory.create(
        name="Swagger UI",
        user=UserFactory.create(username="carol"),
        redirect_uris="http://127.0.0.1:8000/docs/oauth2-redirect http://localhost:8000/cb",
    )
    html = page(admin_client, "/admin/oauth2_provider/application/")
    for shown in (
        "Swagger UI",
        "carol",
        "Public",
        "Authorization code",
        "http://127.0.0.1:8000/docs/oauth2-redirect, http://localhost:8000/cb",
    ):
        assert shown in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=carol", True),
        ("q=Swagger", True),
        ("q=nobody", False),
        ("client_type__exact=public", True),
        ("client_type__exact=confidential", False),
        ("authorization_grant_type__exact=authorization-code", True),
        ("authorization_grant_type__exact=password", False),
    ],
)
def test_applications_are_searched_by_name_and_owner_and_filtered_by_type(
    admin_client: Client, query: str, found: bool
) -> None:
    PublicClientFactory.create(name="Swagger UI", user=UserFactory.create(username="carol"))
    html = page(admin_client, f"/admin/oauth2_provider/application/?{query}")
    assert ("Swagger UI" in html) is found


def test_access_token_list_shows_user_application_scopes_and_expiry_but_not_the_token(
    admin_client: Client,
) -> None:
    token = AccessTokenFactory.create(
        user=UserFactory.create(username="dave"),
        application=ApplicationFactory.create(name="Reporting"),
        scope="read groups",
        token="abcdefghijklmnopqrstuvwxyz0123",
    )
    html = page(admin_client, "/admin/oauth2_provider/accesstoken/")
    for shown in ("dave", "Reporting", "read groups", str(token.expires.year)):
        assert shown in html
    assert "abcdefghijklmnopqrstuvwxyz0123" not in html


@pytest.mark.parametrize(
    ("query", "visible"),
    [
        ("", {"live-user", "expired-user"}),
        ("expired=no", {"live-user"}),
        ("expired=yes", {"expired-user"}),
        ("q=live-user", {"live-user"}),
        ("q=groups", {"expired-user"}),
    ],
)
def test_access_tokens_are_filtered_by_expiry_and_searched_by_user_and_scope(
    admin_client: Client, query: str, visible: set[str]
) -> None:
    AccessTokenFactory.create(user=UserFactory.create(username="live-user"), scope="read")
    AccessTokenFactory.create(
        user=UserFactory.create(username="expired-user"),
        scope="read groups",
        expires=timezone.now() - timedelta(minutes=1),
    )
    html = page(admin_client, f"/admin/oauth2_provider/accesstoken/?{query}")
    assert {name for name in ("live-user", "expired-user") if name in html} == visible


@pytest.mark.parametrize(
    ("query", "visible"), [("revoked=no", "kept-rt"), ("revoked=yes", "revoked-rt")]
)
def test_refresh_tokens_are_filtered_by_revocation(
    admin_client: Client, query: str, visible: str
) -> None:
    RefreshTokenFactory.create(user=UserFactory.create(username="kept-rt"))
    RefreshTokenFactory.create(
        user=UserFactory.create(username="revoked-rt"), revoked=timezone.now()
    )
    html = page(admin_client, f"/admin/oauth2_provider/refreshtoken/?{query}")
    assert visible in html
    assert ({"kept-rt", "revoked-rt"} - {visible}).pop() not in html


def test_grant_list_shows_the_pkce_method_but_not_the_code(admin_client: Client) -> None:
    grant = GrantFactory.create(user=UserFactory.create(username="erin"))
    html = page(admin_client, "/admin/oauth2_provider/grant/")
    assert "erin" in html
    assert "S256" in html
    assert grant.code not in html


@pytest.mark.parametrize(
    ("changelist", "factory"),
    [
        ("application", PublicClientFactory),
        ("accesstoken", AccessTokenFactory),
        ("refreshtoken", RefreshTokenFactory),
        ("grant", GrantFactory),
    ],
)
def test_changelists_take_as_many_queries_for_many_rows_as_for_one(
    admin_client: Client, changelist: str, factory: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(admin_client, f"/admin/oauth2_provider/{changelist}/")
        return len(captured)

    factory.create()
    one = queries()
    factory.create_batch(5)
    assert queries() == one
