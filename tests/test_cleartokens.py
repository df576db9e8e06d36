"""`manage.py cleartokens` is DOT's: what it deletes and keeps under this project's settings
(rotated refresh tokens with reuse protection, 14 idle days), and its batches, each committed on
its own so that no transaction holds the token table long (docs/performance.md)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken
from oauth2_provider.settings import oauth2_settings
from pytest_django.fixtures import Settings

from tests.factories import (
    AccessTokenFactory,
    ApplicationFactory,
    GrantFactory,
    RefreshTokenFactory,
    UserFactory,
)

DAY = timedelta(days=1)


def ago(delta: timedelta) -> Any:
    return timezone.now() - delta


def idle_limit() -> timedelta:
    return timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)


def cleartokens() -> None:
    call_command("cleartokens")


def batch_size(settings: Settings, size: int) -> None:
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "CLEAR_EXPIRED_TOKENS_BATCH_SIZE": size}


@pytest.mark.django_db
def test_expired_access_tokens_without_a_refresh_token_are_deleted_and_live_ones_kept() -> None:
    expired = AccessTokenFactory.create(expires=ago(timedelta(seconds=1)))
    live = AccessTokenFactory.create()
    cleartokens()
    assert set(AccessToken.objects.values_list("pk", flat=True)) == {live.pk}
    assert not AccessToken.objects.filter(pk=expired.pk).exists()


@pytest.mark.django_db
def test_a_refresh_token_outlives_its_expired_access_token_until_idle_too_long() -> None:
    fresh = AccessTokenFactory.create(expires=ago(DAY))
    RefreshTokenFactory.create(access_token=fresh, user=fresh.user, application=fresh.application)
    idle = AccessTokenFactory.create(expires=ago(idle_limit() + DAY))
    RefreshTokenFactory.create(access_token=idle, user=idle.user, application=idle.application)
    cleartokens()
    assert list(RefreshToken.objects.values_list("access_token", flat=True)) == [fresh.pk]
    assert list(AccessToken.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.mark.django_db
def test_refresh_tokens_revoked_at_a_password_change_are_kept_until_idle_too_long() -> None:
    # Kept meanwhile for DOT's reuse detection (REFRESH_TOKEN_REUSE_PROTECTION).
    user = UserFactory.create()
    access = AccessTokenFactory.create(user=user)
    RefreshTokenFactory.create(access_token=access, user=user, application=access.application)
    user.set_password("Another-Horse-Battery-7")
    user.save()  # identity.revocation: refresh tokens marked revoked, access tokens deleted
    (revoked,) = RefreshToken.objects.filter(user=user)
    assert revoked.revoked is not None
    assert revoked.access_token is None
    cleartokens()
    assert RefreshToken.objects.filter(pk=revoked.pk).exists()
    RefreshToken.objects.filter(pk=revoked.pk).update(revoked=ago(idle_limit() + DAY))
    cleartokens()
    assert not RefreshToken.objects.filter(pk=revoked.pk).exists()


@pytest.mark.django_db
def test_a_refresh_token_whose_access_token_was_deleted_out_of_band_is_deleted() -> None:
    orphan = RefreshTokenFactory.create(access_token=None)
    kept = RefreshTokenFactory.create(access_token=AccessTokenFactory.create())
    cleartokens()
    assert list(RefreshToken.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not RefreshToken.objects.filter(pk=orphan.pk).exists()


@pytest.mark.django_db
def test_expired_grants_and_expired_id_tokens_without_an_access_token_are_deleted() -> None:
    live_grant = GrantFactory.create()
    GrantFactory.create(expires=ago(timedelta(seconds=1)))
    user, application = UserFactory.create(), ApplicationFactory.create()
    IDToken.objects.create(user=user, application=application, expires=ago(DAY))
    with_access = IDToken.objects.create(user=user, application=application, expires=ago(DAY))
    AccessTokenFactory.create(user=user, application=application, id_token=with_access)
    cleartokens()
    assert list(Grant.objects.values_list("pk", flat=True)) == [live_grant.pk]
    assert list(IDToken.objects.values_list("pk", flat=True)) == [with_access.pk]


def deletes_of(table: str, commits: list[int]) -> tuple[list[tuple[int, int]], Callable[..., Any]]:
    """An execute wrapper recording, for each DELETE from `table`, how many of the earlier
    ones' transactions had committed and how many rows it names."""
    seen: list[tuple[int, int]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, *args: Any) -> Any:
        if sql.startswith("DELETE") and f"FROM {connection.ops.quote_name(table)}" in sql:
            seen.append((len(commits), len(params)))
            transaction.on_commit(lambda: commits.append(1))
        return execute(sql, params, *args)

    return seen, record


@pytest.mark.django_db(transaction=True)
def test_cleartokens_deletes_in_batches_of_the_configured_size_each_committed_alone(
    settings: Settings,
) -> None:
    batch_size(settings, 2)
    live = AccessTokenFactory.create()
    AccessTokenFactory.create_batch(5, expires=ago(DAY), user=live.user)
    commits: list[int] = []
    deletes, record = deletes_of(AccessToken._meta.db_table, commits)
    with connection.execute_wrapper(record):
        cleartokens()
    # Each batch's DELETE runs after the previous batch's transaction committed.
    assert deletes == [(0, 2), (1, 2), (2, 1)]
    assert list(AccessToken.objects.values_list("pk", flat=True)) == [live.pk]
