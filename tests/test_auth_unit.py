"""OAuth2Bearer on its own: a request in, a token or an RFC 6750 error out."""

from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from identity.auth import OAuth2Bearer
from identity.errors import CredentialsMissing, InsufficientScope, InvalidToken
from tests.factories import AccessTokenFactory

pytestmark = pytest.mark.django_db

users_auth = OAuth2Bearer()
groups_auth = OAuth2Bearer(scopes=["groups"])


def request(method: str, header: str | None) -> HttpRequest:
    headers = {"Authorization": header} if header is not None else {}
    return RequestFactory().generic(method, "/", headers=headers)


@pytest.mark.parametrize(
    ("auth", "method", "scopes"),
    [
        (users_auth, "GET", ("read",)),
        (users_auth, "HEAD", ("read",)),
        (users_auth, "OPTIONS", ("read",)),
        (users_auth, "POST", ("write",)),
        (users_auth, "PUT", ("write",)),
        (users_auth, "PATCH", ("write",)),
        (users_auth, "DELETE", ("write",)),
        (groups_auth, "GET", ("groups", "read")),
        (groups_auth, "DELETE", ("groups", "write")),
    ],
)
def test_required_scopes_follow_the_method(
    auth: OAuth2Bearer, method: str, scopes: tuple[str, ...]
) -> None:
    assert auth.required_scopes(method) == scopes


def test_a_valid_token_authenticates_and_sets_the_user() -> None:
    token = AccessTokenFactory.create(scope="read")
    req = request("GET", f"Bearer {token.token}")
    assert users_auth(req) == token
    assert req.user == token.user


@pytest.mark.parametrize("header", [None, "", "Basic Zm9vOmJhcg=="])
def test_no_bearer_token_is_missing_credentials_without_an_error_code(header: str | None) -> None:
    with pytest.raises(CredentialsMissing) as caught:
        users_auth(request("GET", header))
    assert caught.value.status_code == 401
    assert caught.value.headers == {"WWW-Authenticate": 'Bearer realm="api"'}


def test_the_scheme_name_is_case_insensitive() -> None:
    token = AccessTokenFactory.create(scope="read")
    assert users_auth(request("GET", f"bEaReR {token.token}")) == token


@pytest.mark.parametrize("header", ["Bearer ", "Bearer a b", "Bearer " + "x" * 300, "Bearer é"])
def test_malformed_tokens_never_reach_the_database(
    header: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0), pytest.raises(InvalidToken):
        users_auth(request("GET", header))


def test_an_expired_token_is_invalid() -> None:
    token = AccessTokenFactory.create(expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidToken, match="expired"):
        users_auth(request("GET", f"Bearer {token.token}"))


def test_a_token_lacking_a_scope_names_every_needed_scope() -> None:
    token = AccessTokenFactory.create(scope="read write")
    with pytest.raises(InsufficientScope) as caught:
        groups_auth(request("POST", f"Bearer {token.token}"))
    assert caught.value.scopes == ("groups", "write")
    assert caught.value.oauth2_error == {"error": "insufficient_scope", "scope": "groups write"}


def test_the_token_and_its_user_load_in_one_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    token = AccessTokenFactory.create(scope="read")
    req = request("GET", f"Bearer {token.token}")
    with django_assert_num_queries(1):
        users_auth(req)
        assert req.user.username
