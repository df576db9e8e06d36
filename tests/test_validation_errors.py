"""422s a person can read: one item per problem, its `loc` ending in the field's name, for
every input schema, field and kind of bad value, as JSON and as a form."""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from ninja import Schema

from directory import schemas
from tests.conftest import BearerFactory
from tests.factories import PASSWORD, GroupFactory, UserFactory
from tests.helpers import Response

pytestmark = pytest.mark.django_db

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
NULL = None


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # "{user}" and "{group}" are filled with a real one's id
    schema: type[Schema]
    valid: dict[str, Any]  # a body that passes, to spoil one field of


PROFILE = {"username": "someone", "email": "", "first_name": "", "last_name": ""}
ENDPOINTS = [
    Endpoint(
        "POST", "/users/", schemas.UserCreateIn, {"username": "someone", "password": PASSWORD}
    ),
    Endpoint("PUT", "/users/{user}/", schemas.UserUpdateIn, {**PROFILE, "is_active": True}),
    Endpoint("PATCH", "/users/{user}/", schemas.UserPatchIn, {}),
    Endpoint("POST", "/groups/", schemas.GroupIn, {"name": "crowd"}),
    Endpoint("PUT", "/groups/{group}/", schemas.GroupIn, {"name": "crowd"}),
    Endpoint("PATCH", "/groups/{group}/", schemas.GroupPatchIn, {}),
]

USERNAME = ["", "two words", "x" * 151, 7, NULL]
NAME = ["tab\there", "x" * 151, 7, NULL]
PASSWORD_VALUES = ["", "nul\x00", "x" * 4097, 7, NULL]
# Per field: values each of which is one problem (out of pattern, length, type, or null).
BAD: dict[str, list[Any]] = {
    "username": USERNAME,
    "email": ["notanemail", "a@b", "x" * 250 + "@b.io", 7, NULL],
    "first_name": NAME,
    "last_name": NAME,
    "is_active": ["maybe", 2, [True], NULL],
    "password": PASSWORD_VALUES,
    "current_password": PASSWORD_VALUES,
    "name": ["", "new\nline", "x" * 151, 7, NULL],
}


def cases() -> list[Any]:
    return [
        pytest.param(endpoint, field, value, id=f"{endpoint.method}-{endpoint.path}-{field}-{n}")
        for endpoint in ENDPOINTS
        for field in endpoint.schema.model_fields
        for n, value in enumerate(BAD[field])
    ]


def url(endpoint: Endpoint) -> str:
    user: User = UserFactory.create()
    group: Group = GroupFactory.create()
    return endpoint.path.format(user=user.pk, group=group.pk)


def send(
    client: Client, endpoint: Endpoint, body: dict[str, Any], headers: dict[str, str], form: bool
) -> Response:
    data = urlencode(body) if form else json.dumps(body)
    return client.generic(
        endpoint.method, url(endpoint), data, content_type=FORM if form else JSON, headers=headers
    )


def problems(response: Response) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    detail: list[dict[str, Any]] = response.json()["detail"]
    return detail


def test_every_field_of_every_input_schema_has_bad_values() -> None:
    inputs = set(schemas.InputSchema.__subclasses__())
    assert {endpoint.schema for endpoint in ENDPOINTS} == inputs
    assert {field for schema in inputs for field in schema.model_fields} == set(BAD)


@pytest.mark.parametrize(("endpoint", "field", "value"), cases())
def test_a_bad_value_is_one_problem_named_by_its_field(
    client: Client, bearer: BearerFactory, endpoint: Endpoint, field: str, value: Any
) -> None:
    response = send(client, endpoint, {**endpoint.valid, field: value}, bearer(), form=False)
    [problem] = problems(response)
    assert problem["loc"] == ["body", "payload", field]
    assert set(problem) == {"type", "loc", "msg"}


@pytest.mark.parametrize(
    ("endpoint", "field", "value"),
    [case for case in cases() if isinstance(case.values[2], str)],
)
def test_a_bad_form_value_is_one_problem_named_by_its_field(
    client: Client, bearer: BearerFactory, endpoint: Endpoint, field: str, value: str
) -> None:
    response = send(client, endpoint, {**endpoint.valid, field: value}, bearer(), form=True)
    [problem] = problems(response)
    assert problem["loc"] == ["body", "payload", field]


def test_patching_a_bad_email_is_the_same_one_problem_as_creating_with_it(
    client: Client, bearer: BearerFactory
) -> None:
    expected = {
        "type": "value_error",
        "loc": ["body", "payload", "email"],
        "msg": "Enter a valid email address.",
    }
    post, _, patch, *_ = ENDPOINTS
    for endpoint in (post, patch):
        response = send(client, endpoint, {**endpoint.valid, "email": "notanemail"}, bearer(), True)
        assert problems(response) == [expected]


def test_null_for_an_omittable_field_says_to_leave_it_out(
    client: Client, bearer: BearerFactory
) -> None:
    patch = ENDPOINTS[2]
    response = send(client, patch, {"first_name": NULL}, bearer(), form=False)
    assert problems(response) == [
        {
            "type": "null_not_allowed",
            "loc": ["body", "payload", "first_name"],
            "msg": "Leave the field out instead of sending null.",
        }
    ]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method}-{e.path}")
def test_each_problem_is_one_item_in_field_order(
    client: Client, bearer: BearerFactory, endpoint: Endpoint
) -> None:
    fields = list(endpoint.schema.model_fields)
    body = {field: BAD[field][0] for field in fields} | {"unknown": 1}
    locs = [problem["loc"] for problem in problems(send(client, endpoint, body, bearer(), False))]
    assert locs == [["body", "payload", field] for field in [*fields, "unknown"]]


@pytest.mark.parametrize(
    "endpoint",
    [endpoint for endpoint in ENDPOINTS if endpoint.valid],
    ids=lambda e: f"{e.method}-{e.path}",
)
def test_each_missing_field_is_one_item(
    client: Client, bearer: BearerFactory, endpoint: Endpoint
) -> None:
    required = [name for name, field in endpoint.schema.model_fields.items() if field.is_required()]
    response = send(client, endpoint, {}, bearer(), form=False)
    assert [(p["type"], p["loc"]) for p in problems(response)] == [
        ("missing", ["body", "payload", field]) for field in required
    ]
