"""identity.selectors.access_token_get: one compiled query on the hot path, checked against the
ORM's reading of the same rows on each database (DOT's own reading: select_related the user and
the application)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from pytest_django import DjangoAssertNumQueries

from identity.selectors import (
    TOKEN_FIELDS,
    TOKEN_LOOKUP,
    USER_FIELDS,
    TokenLookup,
    access_token_get,
)
from tests.factories import AccessTokenFactory, ApplicationFactory, UserFactory
from tests.usable_applications import HttpsOnlyApplication

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "last_login",
    [None, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5, 120000, UTC)],
    ids=["never", "whole-second", "fraction"],
)
def test_the_token_and_its_user_load_in_one_query_exactly_as_the_orm_reads_them(
    django_assert_num_queries: DjangoAssertNumQueries, last_login: datetime | None
) -> None:
    user = UserFactory.create(
        is_active=False, is_staff=True, username="o'brien-é", last_login=last_login
    )
    application = ApplicationFactory.create(
        name='Reporting "é"', skip_authorization=True, redirect_uris="https://a.example/cb"
    )
    created = AccessTokenFactory.create(
        user=user,
        application=application,
        scope="read groups",
        resource=["https://api.example.com/", "https://b.example/x?y=1"],
    )
    with django_assert_num_queries(1):
        loaded = access_token_get(token=created.token)
    expected = AccessToken.objects.select_related("user", "application").get(pk=created.pk)
    assert loaded is not None
    assert loaded.user is not None
    assert {f: getattr(loaded, f) for f in TOKEN_FIELDS} == {
        f: getattr(expected, f) for f in TOKEN_FIELDS
    }
    assert {f: getattr(loaded.user, f) for f in USER_FIELDS} == {
        f: getattr(expected.user, f) for f in USER_FIELDS
    }
    assert loaded.resource == ["https://api.example.com/", "https://b.example/x?y=1"]
    assert loaded.expires.tzinfo is not None
    assert loaded.allow_scopes(["groups"])
    assert not loaded.allow_scopes(["write"])


def test_an_expired_token_loads_and_reports_expiry() -> None:
    created = AccessTokenFactory.create(expires=timezone.now() - timedelta(seconds=1))
    loaded = access_token_get(token=created.token)
    assert loaded is not None
    assert loaded.is_expired()


def test_a_token_without_user_loads_with_none() -> None:
    created = AccessTokenFactory.create(user=None)
    loaded = access_token_get(token=created.token)
    assert loaded is not None
    assert loaded.user is None


def test_dots_own_application_model_is_not_loaded(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    # Its is_usable says yes without reading anything: nothing of it is needed.
    assert not TOKEN_LOOKUP.loads_application
    created = AccessTokenFactory.create()
    with django_assert_num_queries(1):
        loaded = access_token_get(token=created.token)
    assert loaded is not None
    assert not AccessToken.application.is_cached(loaded)


def test_a_model_that_overrides_is_usable_loads_in_the_same_query_as_the_orm_reads_it(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    lookup = TokenLookup(HttpsOnlyApplication)
    assert lookup.loads_application
    application = ApplicationFactory.create(
        name='Reporting "é"', skip_authorization=True, redirect_uris="https://a.example/cb"
    )
    created = AccessTokenFactory.create(application=application)
    with django_assert_num_queries(1):
        loaded = lookup.get(created.token)
    assert loaded is not None
    assert type(loaded.application) is HttpsOnlyApplication
    expected = HttpsOnlyApplication.objects.get(pk=application.pk)
    fields = [field.attname for field in HttpsOnlyApplication._meta.concrete_fields]
    assert lookup.application_fields == tuple(fields)
    assert {f: getattr(loaded.application, f) for f in fields} == {
        f: getattr(expected, f) for f in fields
    }
    assert loaded.user == created.user


def test_a_token_without_application_loads_with_none() -> None:
    created = AccessTokenFactory.create(application=None)
    loaded = TokenLookup(HttpsOnlyApplication).get(created.token)
    assert loaded is not None
    assert loaded.application is None
    assert loaded.user is not None


def test_a_token_without_resource_loads_an_empty_list() -> None:
    loaded = access_token_get(token=AccessTokenFactory.create().token)
    assert loaded is not None
    assert loaded.resource == []


@pytest.mark.parametrize("token", ["unknown", "' OR '1'='1", ""])
def test_an_unknown_token_is_none(token: str) -> None:
    AccessTokenFactory.create()
    assert access_token_get(token=token) is None


def test_the_applications_client_id_comes_in_the_same_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    created = AccessTokenFactory.create()
    with django_assert_num_queries(1):
        found = TOKEN_LOOKUP.find(created.token)
    assert found is not None
    assert found[1] == created.application.client_id
    assert not AccessToken.application.is_cached(found[0])


def test_a_token_without_application_has_no_client_id() -> None:
    found = TOKEN_LOOKUP.find(AccessTokenFactory.create(application=None).token)
    assert found is not None
    assert found[1] is None
