import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries


def test_live_answers_without_token_or_database(client: Client) -> None:
    # No django_db mark: pytest-django fails any database access in this test.
    response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_checks_the_database_with_one_query(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/health/live/", "/health/ready/"])
def test_health_endpoints_only_answer_safe_methods(client: Client, path: str) -> None:
    assert client.post(path).status_code == 405


def test_health_endpoints_are_not_in_the_api_document(client: Client) -> None:
    assert not any(
        path.startswith("/health") for path in client.get("/openapi.json").json()["paths"]
    )
