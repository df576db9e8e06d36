"""The lean request path: group ids served with their user, a token lookup that costs one
query, ids the database cannot hold. Query counts per endpoint are pinned in test_queries.py;
both run on SQLite and on PostgreSQL (CI runs the suite on both)."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from tests.conftest import BearerFactory
from tests.factories import GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_lists_its_group_ids_in_order(client: Client, bearer: BearerFactory) -> None:
    user = UserFactory.create()
    groups = GroupFactory.create_batch(3)
    user.groups.add(groups[2], groups[0])
    loner = UserFactory.create()
    headers = bearer()
    expected = sorted([groups[0].pk, groups[2].pk])
    assert client.get(f"/users/{user.pk}/", headers=headers).json()["groups"] == expected
    assert client.get(f"/users/{loner.pk}/", headers=headers).json()["groups"] == []
    listed = {u["id"]: u["groups"] for u in client.get("/users/", headers=headers).json()["items"]}
    assert listed[user.pk] == expected
    assert listed[loner.pk] == []


def test_an_unknown_token_costs_one_query(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        response = client.get("/users/", headers={"Authorization": "Bearer unknown-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("user_id", [2**31 - 1, 2**31, 2**63 - 1])
def test_ids_past_the_32_bit_user_column_are_404(
    client: Client, bearer: BearerFactory, user_id: int
) -> None:
    response = client.get(f"/users/{user_id}/", headers=bearer())
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_dates_are_rfc3339_utc_and_lossless(client: Client, bearer: BearerFactory) -> None:
    """Detail and list agree, though list rows are written as JSON by the database (PostgreSQL
    trims trailing zeros of the fraction; SQLite keeps naive text)."""
    users = [
        UserFactory.create(date_joined=datetime(2026, 1, 2, 3, 4, 5, microsecond, tzinfo=UTC))
        for microsecond in (678901, 120000, 0)
    ]
    headers = bearer()
    listed = {
        u["id"]: u["date_joined"] for u in client.get("/users/", headers=headers).json()["items"]
    }
    shown = [
        client.get(f"/users/{user.pk}/", headers=headers).json()["date_joined"] for user in users
    ]
    assert shown == [
        "2026-01-02T03:04:05.678901Z",
        "2026-01-02T03:04:05.120000Z",
        "2026-01-02T03:04:05Z",
    ]
    assert [listed[user.pk] for user in users] == shown
    assert [datetime.fromisoformat(value) for value in shown] == [u.date_joined for u in users]
