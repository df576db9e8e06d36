"""The OpenAPI document: valid 3.1, committed, and in agreement with what the API enforces."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from ninja import NinjaAPI, Router
from openapi_spec_validator import validate

from config.api import api
from config.openapi import ContractSchema
from core.conditional import entity_tag
from core.schemas import ErrorOut
from identity.auth import OAuth2Bearer
from tests.conftest import BearerFactory
from tests.factories import GroupFactory, UserFactory
from tests.helpers import api_routes, parse_challenge
from tests.routes import PERMISSIONS, ROUTES, Route, fresh_ids

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema()))
    return parsed


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def walk(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{where}/{index}")


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    validate(doc)


def test_the_committed_openapi_json_matches_the_code(tmp_path: Path) -> None:
    """Written as `make openapi` writes it, with Ninja's own command."""
    exported = tmp_path / "openapi.json"
    call_command(
        "export_openapi_schema", api="config.api.api", indent=2, sort_keys=True, output=exported
    )
    committed = Path(settings.BASE_DIR, "openapi.json")
    assert committed.read_bytes() == exported.read_bytes(), (
        "openapi.json is stale: run `make openapi` and commit it."
    )


def test_every_route_of_the_api_is_documented(doc: dict[str, Any]) -> None:
    assert {(method, path) for method, path, _ in operations(doc)} == api_routes()


def test_operation_ids_are_unique_and_named_resource_action(doc: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(doc)]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(
        [
            "users_list", "users_create", "users_me", "users_me_update",
            "users_me_partial_update", "users_get", "users_update",
            "users_partial_update", "users_delete", "groups_list", "groups_create",
            "groups_get", "groups_update", "groups_partial_update", "groups_delete",
            "groups_members_list", "groups_members_add", "groups_members_remove",
            "audit_events_list", "audit_events_get",
        ]
    )  # fmt: skip


def test_a_scheme_for_each_flow_offers_every_api_scope(
    doc: dict[str, Any],
) -> None:
    # The OpenID Connect scopes sign a user in (discovery lists them); no operation needs one.
    # `scim` opens /scim/v2/ only, which this document does not describe (docs/scim.md).
    api_scopes = {
        name: text
        for name, text in settings.OAUTH2_PROVIDER["SCOPES"].items()
        if name not in {"openid", "profile", "email", "scim"}
    }
    assert set(api_scopes) == {"read", "write", "groups", "audit"}
    schemes = doc["components"]["securitySchemes"]
    assert list(schemes) == ["OAuth2AuthorizationCode", "OAuth2Password"]
    for scheme in schemes.values():
        assert scheme["type"] == "oauth2"
        assert "scheme" not in scheme
    assert schemes["OAuth2AuthorizationCode"]["flows"] == {
        "authorizationCode": {
            "authorizationUrl": "/o/authorize/",
            "tokenUrl": "/o/token/",
            "refreshUrl": "/o/token/",
            "scopes": api_scopes,
        },
    }
    assert schemes["OAuth2Password"]["flows"] == {
        "password": {
            "tokenUrl": "/o/token/",
            "refreshUrl": "/o/token/",
            "scopes": api_scopes,
        },
    }


def test_each_operation_lists_the_scopes_its_auth_class_enforces(doc: dict[str, Any]) -> None:
    documented = {
        (method, path): operation["security"] for method, path, operation in operations(doc)
    }
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                (method,) = operation.methods
                (auth,) = operation.auth_callbacks
                assert isinstance(auth, OAuth2Bearer)
                key = (method, "/" + bound.prefix.strip("/") + "/" + path.lstrip("/"))
                scopes = list(auth.required_scopes(method))
                assert documented[key] == [
                    {"OAuth2AuthorizationCode": scopes},
                    {"OAuth2Password": scopes},
                ]


@pytest.mark.django_db
def test_a_token_with_exactly_the_documented_scopes_passes_and_one_less_is_refused(
    client: Client, bearer: BearerFactory, doc: dict[str, Any]
) -> None:
    for method, path, operation in operations(doc):
        code, password = operation["security"]
        scopes = code["OAuth2AuthorizationCode"]
        assert password["OAuth2Password"] == scopes
        url = path.format(**{f"{name}_id": pk for name, pk in fresh_ids().items()})
        auth = bearer(scope=" ".join(scopes), perms=PERMISSIONS)
        response = client.generic(method, url, headers=auth)
        assert response.status_code not in (401, 403), (method, path, response.content)
        for missing in scopes:
            fewer = " ".join(scope for scope in scopes if scope != missing)
            response = client.generic(method, url, headers=bearer(scope=fewer))
            assert response.status_code == 403, (method, path, missing)
            challenge = parse_challenge(response["WWW-Authenticate"])[1]
            assert challenge["error"] == "insufficient_scope"
            assert challenge["scope"].split() == scopes


def test_every_operation_documents_each_status_it_can_answer(doc: dict[str, Any]) -> None:
    writes = {"users_create", "users_update", "users_partial_update"}
    writes |= {"users_me_update", "users_me_partial_update"}
    writes |= {"groups_create", "groups_update", "groups_partial_update"}
    writes |= {"users_delete"}  # the last active superuser
    for _, path, operation in operations(doc):
        statuses = {int(status) for status in operation["responses"]}
        assert {400, 401, 403} <= statuses
        if "{" in path:
            assert 404 in statuses
        validated = [p for p in operation["parameters"] if p["in"] != "header"]
        if validated or "requestBody" in operation:
            assert 422 in statuses
        if "requestBody" in operation:
            assert {400, 413, 415} <= statuses
        assert (409 in statuses) == (operation["operationId"] in writes)


# Membership changes take no preconditions: adding or removing one group cannot undo
# another writer's change (the user's ETag changes all the same).
UNCONDITIONAL = {"users_create", "groups_create", "groups_members_add", "groups_members_remove"}


def test_conditional_operations_document_their_headers_and_answers(doc: dict[str, Any]) -> None:
    for method, _, operation in operations(doc):
        conditional = operation["operationId"] not in UNCONDITIONAL
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == ({"If-Match", "If-None-Match"} if conditional else set())
        responses = operation["responses"]
        assert ("412" in responses) == conditional
        assert ("304" in responses) == (method == "GET")
        assert "content" not in responses.get("304", {})
        for status in {"200", "201", "304"} & responses.keys():
            assert set(responses[status]["headers"]) == {"ETag"}
        if "204" in responses:
            assert "headers" not in responses["204"]


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in ROUTES if r.ok != 204], ids=lambda r: r.id)
def test_every_answer_with_a_body_carries_the_documented_etag(
    client: Client, bearer: BearerFactory, doc: dict[str, Any], route: Route
) -> None:
    documented = doc["paths"][route.template][route.method.lower()]["responses"][str(route.ok)]
    response = route.call(client, bearer(scope="read write groups audit", perms=PERMISSIONS))
    assert response.status_code == route.ok
    assert "ETag" in documented["headers"]
    assert response["ETag"] == entity_tag(response.content)


def test_request_bodies_accept_json_and_forms_with_one_named_schema(
    doc: dict[str, Any],
) -> None:
    for _, _, operation in operations(doc):
        if "requestBody" in operation:
            content = operation["requestBody"]["content"]
            assert set(content) == {"application/json", "application/x-www-form-urlencoded"}
            assert all("$ref" in media["schema"] for media in content.values())


def test_every_response_body_is_a_named_schema(doc: dict[str, Any]) -> None:
    for _, _, operation in operations(doc):
        for response in operation["responses"].values():
            for media in response.get("content", {}).values():
                assert set(media["schema"]) == {"$ref"}


def test_no_object_schema_is_anonymous(doc: dict[str, Any]) -> None:
    named = {f"#/components/schemas/{name}" for name in doc["components"]["schemas"]}
    for where, node in walk(doc):
        if node.get("type") == "object" or "properties" in node:
            assert where in named, where


def test_every_schema_is_referenced_and_every_reference_resolves(doc: dict[str, Any]) -> None:
    refs = {node["$ref"] for _, node in walk(doc) if "$ref" in node}
    named = {f"#/components/schemas/{name}" for name in doc["components"]["schemas"]}
    assert refs == named


def nullable(schema: dict[str, Any]) -> bool:
    return {"type": "null"} in schema.get("anyOf", []) or schema.get("type") == "null"


# An audit event says "nobody" and "no client" with null, as does the last page's `next`, and
# a list's `count` that was not asked for.
NULLS = {
    f"#/components/schemas/{field}"
    for field in (
        "EventOut/properties/actor",
        "EventOut/properties/client_id",
        "EventOut/properties/ip",
        "EventOut/properties/request_id",
        "EventPage/properties/next",
        *(
            f"{page}/properties/{name}"
            for page in ("PagedUserOut", "PagedGroupOut")
            for name in ("next", "count")
        ),
    )
}


def test_nothing_in_the_document_is_typed_null_but_nobodies_last_pages_and_uncounted_lists(
    doc: dict[str, Any],
) -> None:
    """No other output field is ever null, and inputs are left out rather than sent as null (a
    form body cannot say null)."""
    nulls = [where for where, node in walk(doc) if nullable(node)]
    assert {where.removesuffix("/anyOf/1") for where in nulls} == NULLS


def test_partial_updates_require_no_field(doc: dict[str, Any]) -> None:
    for name in ("UserPatchIn", "GroupPatchIn"):
        assert "required" not in doc["components"]["schemas"][name]
    for path in ("/users/{user_id}/", "/groups/{group_id}/"):
        assert doc["paths"][path]["patch"]["requestBody"]["required"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/users/{user_id}/", "/groups/{group_id}/"])
def test_an_empty_patch_changes_nothing_and_a_null_is_a_422(
    client: Client, bearer: BearerFactory, path: str
) -> None:
    url = path.format(user_id=UserFactory.create().pk, group_id=GroupFactory.create().pk)
    before = client.get(url, headers=bearer()).json()
    form = "application/x-www-form-urlencoded"
    perms = ["auth.change_user"] if "users" in path else ["auth.change_group"]
    assert client.patch(url, "", form, headers=bearer(perms=perms)).json() == before
    field = "first_name" if "users" in path else "name"
    response = client.patch(url, {field: None}, "application/json", headers=bearer(perms=perms))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", field]


def test_query_parameters_are_never_typed_null(doc: dict[str, Any]) -> None:
    for _, _, operation in operations(doc):
        for parameter in operation["parameters"]:
            assert not nullable(parameter["schema"]), parameter


@pytest.mark.django_db
def test_a_422_has_the_documented_shape(client: Client, bearer: BearerFactory) -> None:
    response = client.post(
        "/users/", {"username": "bad name!", "extra": 1}, "application/json", headers=bearer()
    )
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert {error["loc"][-1] for error in errors} == {"username", "password", "extra"}
    assert all(set(error) == {"type", "loc", "msg"} for error in errors)


@pytest.mark.django_db
def test_the_served_document_is_the_committed_one(client: Client) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(Path(settings.BASE_DIR, "openapi.json").read_text())


@pytest.mark.django_db
def test_swagger_ui_loads_the_document_and_keeps_the_authorization(client: Client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    page = response.content.decode()
    config = json.loads(page.split('id="swagger-settings"')[1].split(">")[1].split("</script")[0])
    assert config["url"] == "/openapi.json"
    assert config["persistAuthorization"] is True
    assert "/static/ninja/swagger-ui-bundle.js" in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/nope/", "/o/nope/", "/users/1/members/"])
def test_a_url_nothing_serves_is_a_json_404(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_a_method_a_path_lacks_is_a_json_405_with_allow(client: Client) -> None:
    response = client.post("/users/me/")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method not allowed."}
    assert response["Allow"] == "GET, HEAD, OPTIONS, PATCH, PUT"
    allow = client.generic("TRACE", "/users/1/")["Allow"]
    assert allow == "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"


def test_an_operation_without_auth_says_so_with_empty_security() -> None:
    router = Router()

    @router.get("/ping/", response=ErrorOut, operation_id="ping")
    def ping(request: HttpRequest) -> dict[str, str]:
        return {"detail": "pong"}

    probe = NinjaAPI(urls_namespace="openapi-probe")
    probe.add_router("/", router)
    assert ContractSchema(probe, "/")["paths"]["/ping/"]["get"]["security"] == []
