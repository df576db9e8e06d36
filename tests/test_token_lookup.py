"""identity.selectors.access_token_get: one compiled query on the hot path, checked against the
ORM's reading of the same rows on each database."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from pytest_django import DjangoAssertNumQueries

from identity.selectors import TOKEN_FIELDS, USER_FIELDS, access_token_get
from tests.factories import AccessTokenFactory, UserFactory

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
    created = AccessTokenFactory.create(user=user, scope="read groups")
    with django_assert_num_queries(1):
        loaded = access_token_get(token=created.token)
    expected = AccessToken.objects.select_related("user").get(pk=created.pk)
    assert loaded is not None
    assert loaded.user is not None
    assert {f: getattr(loaded, f) for f in TOKEN_FIELDS} == {
        f: getattr(expected, f) for f in TOKEN_FIELDS
    }
    assert {f: getattr(loaded.user, f) for f in USER_FIELDS} == {
        f: getattr(expected.user, f) for f in USER_FIELDS
    }
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


@pytest.mark.parametrize("token", ["unknown", "' OR '1'='1", ""])
def test_an_unknown_token_is_none(token: str) -> None:
    AccessTokenFactory.create()
    assert access_token_get(token=token) is None
