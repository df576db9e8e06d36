"""Status codes are named as RFC 9110 §15 names them on every supported Python: 3.13 renamed
four of HTTPStatus's phrases, and the answers' status lines, error details and the OpenAPI
document must not change with the interpreter."""

from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from config.api import api
from config.errors import _error_detail
from core.http import RFC_9110_RENAMED, reason_phrase
from tests.conftest import BearerFactory

RENAMED = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


@pytest.mark.parametrize(("status", "phrase"), RENAMED.items())
def test_the_statuses_python_renamed_have_rfc_9110_phrases(status: int, phrase: str) -> None:
    assert reason_phrase(status) == phrase
    assert _error_detail(status) == f"{phrase}."


def test_every_other_status_keeps_its_registered_phrase() -> None:
    assert RFC_9110_RENAMED == RENAMED
    for status in HTTPStatus:
        if status not in RENAMED:
            assert reason_phrase(status) == status.phrase


def test_a_code_outside_the_registry_is_refused() -> None:
    with pytest.raises(ValueError, match="599"):
        reason_phrase(599)


@pytest.mark.django_db
def test_a_422_status_line_says_unprocessable_content(
    client: Client, bearer: BearerFactory
) -> None:
    response = client.post(
        "/users/", {"username": "bad name!"}, "application/json", headers=bearer()
    )
    assert response.status_code == 422
    assert response.reason_phrase == "Unprocessable Content"


@pytest.mark.django_db
def test_a_413_status_line_says_content_too_large(
    client: Client, bearer: BearerFactory, settings: Settings
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    response = client.post("/users/", {"username": "a" * 100}, "application/json", headers=bearer())
    assert response.status_code == 413
    assert response.reason_phrase == "Content Too Large"


def test_every_documented_answer_is_described_by_its_rfc_9110_phrase() -> None:
    doc: dict[str, Any] = api.get_openapi_schema()
    for item in doc["paths"].values():
        for operation in item.values():
            for status, response in operation.get("responses", {}).items():
                assert response["description"] == reason_phrase(int(status)), status
