"""The bad-input catalogue: every hostile or broken request gets a documented 4xx JSON `detail`,
never a 500 or an HTML page (docs/security.md)."""

import http.client
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from tests.conftest import BearerFactory
from tests.factories import PASSWORD, UserFactory
from tests.helpers import Response

pytestmark = pytest.mark.django_db

MAX_BODY = 64 * 1024
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
# The POSTs below are creates, sent by one who may create: only the input may stop them.
CREATOR = ["auth.add_user", "auth.add_group"]


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    status: int
    body: bytes | str = b""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    detail: Any = None  # the exact `detail`, when it is worth pinning


def user_body(**fields: Any) -> str:
    return json.dumps({"username": "someone", "password": PASSWORD, **fields})


CASES = [
    # Bodies.
    Case(
        "oversized-json",
        "POST",
        "/users/",
        413,
        "x" * (MAX_BODY + 1),
        detail="Request body too large.",
    ),
    Case(
        "oversized-form",
        "POST",
        "/users/",
        413,
        "a=" + "x" * MAX_BODY,
        FORM,
        detail="Request body too large.",
    ),
    Case("deeply-nested-json", "POST", "/users/", 400, "[" * 30_000 + "]" * 30_000),
    Case("deeply-nested-object", "POST", "/users/", 400, '{"a":' * 10_000 + "1" + "}" * 10_000),
    Case("truncated-json", "POST", "/users/", 400, '{"username": "x", '),
    Case("not-utf8", "POST", "/users/", 400, b"\xff\xfe\x00"),
    Case("json-nan", "POST", "/users/", 422, '{"username": NaN, "password": "x"}'),
    Case("json-array", "POST", "/users/", 422, "[1, 2]"),
    Case("json-null", "POST", "/users/", 422, "null"),
    Case("json-string", "POST", "/users/", 422, '"hello"'),
    Case("empty-body", "POST", "/users/", 422, ""),
    Case(
        "duplicate-form-field",
        "POST",
        "/users/",
        422,
        f"username=a&username=b&password={PASSWORD}",
        FORM,
    ),
    Case("text-plain", "POST", "/users/", 415, "username=x", "text/plain"),
    Case("multipart", "POST", "/users/", 415, "--b--", "multipart/form-data; boundary=b"),
    Case("xml", "POST", "/users/", 415, "<user/>", "application/xml"),
    Case("no-content-type", "POST", "/users/", 415, user_body(), ""),
    # Mass assignment (OWASP API3).
    Case("is-superuser", "POST", "/users/", 422, user_body(is_superuser=True)),
    Case("is-staff", "POST", "/users/", 422, user_body(is_staff=True)),
    Case("permissions", "POST", "/users/", 422, user_body(user_permissions=[1])),
    Case("groups-on-create", "POST", "/users/", 422, user_body(groups=[1])),
    Case("password-hash", "POST", "/users/", 422, user_body(password_hash="md5$x$y")),
    Case("id", "POST", "/users/", 422, user_body(id=1)),
    # Usernames.
    Case("nul-in-username", "POST", "/users/", 422, user_body(username="bob\x00")),
    Case("newline-in-username", "POST", "/users/", 422, user_body(username="bob\nadmin")),
    Case("rtl-override-in-username", "POST", "/users/", 422, user_body(username="bob\u202egpj")),
    Case("space-in-username", "POST", "/users/", 422, user_body(username="bob smith")),
    Case("emoji-username", "POST", "/users/", 422, user_body(username="bob\U0001f600")),
    Case("empty-username", "POST", "/users/", 422, user_body(username="")),
    Case("long-username", "POST", "/users/", 422, user_body(username="a" * 151)),
    Case("username-not-a-string", "POST", "/users/", 422, user_body(username=["a"])),
    Case("nul-in-group-name", "POST", "/groups/", 422, json.dumps({"name": "a\x00"})),
    Case("huge-password", "POST", "/users/", 422, user_body(password="p" * 5000)),
    Case("weak-password", "POST", "/users/", 422, user_body(password="password")),
    Case("bad-email", "POST", "/users/", 422, user_body(email="not-an-email")),
    # Query parameters.
    Case("negative-limit", "GET", "/users/?limit=-1", 422),
    Case("zero-limit", "GET", "/users/?limit=0", 422),
    Case("huge-limit", "GET", "/users/?limit=1000000", 422),
    Case("negative-offset", "GET", "/users/?offset=-5", 422),
    Case("overflowing-offset", "GET", "/users/?offset=99999999999999999999999", 422),
    Case("non-numeric-limit", "GET", "/users/?limit=ten", 422),
    Case("nul-in-search", "GET", "/users/?search=%00", 422),
    Case("long-search", "GET", "/users/?search=" + "a" * 151, 422),
    # Path ids.
    Case("id-overflowing-int64", "GET", "/users/9223372036854775808/", 422),
    Case("id-far-beyond-int64", "GET", "/users/99999999999999999999999999/", 422),
    Case("negative-id", "GET", "/users/-1/", 422),
    Case("zero-id", "GET", "/groups/0/", 422),
    Case("non-numeric-id", "GET", "/users/abc/", 422),
    Case("float-id", "GET", "/users/1.5/", 422),
    Case("member-id-overflow", "PUT", "/groups/1/members/9223372036854775808/", 422),
    Case("missing-user", "GET", "/users/9223372036854775807/", 404, detail="Not found."),
    # URLs.
    Case("unknown-path", "GET", "/nope/", 404, detail="Not found."),
    Case("unknown-nested-path", "GET", "/users/1/nope/", 404, detail="Not found."),
    Case("path-traversal", "GET", "/users/../admin/", 404, detail="Not found."),
    Case("unknown-under-o", "GET", "/o/nope/", 404, detail="Not found."),
    Case("device-flow-not-mounted", "GET", "/o/device/", 404),
    Case("userinfo-without-token", "GET", "/o/userinfo/", 401),
    Case("userinfo-bad-token", "GET", "/o/userinfo/", 401, headers={"Authorization": "Bearer x"}),
    Case("method-not-allowed", "PATCH", "/users/", 405),
    # Authorization header.
    Case(
        "100kB-header", "GET", "/users/", 401, headers={"Authorization": "Bearer " + "a" * 100_000}
    ),
    Case("bearer-no-token", "GET", "/users/", 401, headers={"Authorization": "Bearer"}),
    Case("bearer-space-only", "GET", "/users/", 401, headers={"Authorization": "Bearer "}),
    Case("bearer-sql", "GET", "/users/", 401, headers={"Authorization": "Bearer ' OR 1=1--"}),
    Case(
        "token-in-query",
        "GET",
        "/users/?access_token=abc",
        400,
        detail="Send the access token in the Authorization header, not in the URL.",
    ),
]


def send(client: Client, case: Case, headers: dict[str, str]) -> Response:
    return client.generic(
        case.method,
        case.path,
        data=case.body,
        content_type=case.content_type,
        headers={**headers, **case.headers},
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_a_json_4xx(client: Client, bearer: BearerFactory, case: Case) -> None:
    response = send(client, case, bearer(perms=CREATOR))
    assert response.status_code == case.status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "detail" in body
    if case.detail is not None:
        assert body["detail"] == case.detail


@pytest.mark.parametrize("case", [c for c in CASES if c.method == "POST"], ids=str)
def test_rejected_writes_leave_nothing_behind(
    client: Client, bearer: BearerFactory, case: Case
) -> None:
    headers = bearer(perms=CREATOR)
    before = User.objects.count()
    send(client, case, headers)
    assert User.objects.count() == before


@pytest.mark.parametrize(
    "search", ["' OR '1'='1", "%", "_", "\\", "'; DROP TABLE auth_user; --", '" OR ""="']
)
def test_sql_metacharacters_in_search_are_plain_text(
    client: Client, bearer: BearerFactory, search: str
) -> None:
    UserFactory.create(username="alice", first_name="Alice", last_name="A")
    literal = UserFactory.create(username="q", first_name=search, last_name="L")
    response = client.get("/users/", {"search": search}, headers=bearer(scope="read"))
    assert response.status_code == 200
    ids = [user["id"] for user in response.json()["items"]]
    assert ids == [literal.pk]


def test_unicode_usernames_that_django_allows_are_accepted(
    client: Client, bearer: BearerFactory
) -> None:
    response = client.post(
        "/users/",
        user_body(username="émilie.ß-李"),
        content_type=JSON,
        headers=bearer(perms=["auth.add_user"]),
    )
    assert response.status_code == 201
    assert response.json()["username"] == "émilie.ß-李"


def test_method_not_allowed_names_the_allowed_methods(
    client: Client, bearer: BearerFactory
) -> None:
    response = client.patch("/users/", headers=bearer())
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.json() == {"detail": "Method not allowed."}


def test_post_without_trailing_slash_is_redirected_keeping_the_method(
    client: Client, bearer: BearerFactory, settings: Settings
) -> None:
    settings.DEBUG = True  # where Django would raise a RuntimeError (a 500)
    response = client.post("/users", user_body(), content_type=JSON, headers=bearer())
    assert response.status_code == 308
    assert response["Location"] == "/users/"


def test_get_without_trailing_slash_is_redirected(client: Client, bearer: BearerFactory) -> None:
    response = client.get("/users/me", headers=bearer())
    assert response.status_code == 301
    assert response["Location"] == "/users/me/"


def test_post_without_trailing_slash_is_not_a_500_in_production(
    client: Client, bearer: BearerFactory
) -> None:
    response = client.post(
        "/groups", json.dumps({"name": "g"}), content_type=JSON, headers=bearer()
    )
    assert response.status_code == 308
    assert response["Location"] == "/groups/"


def test_an_oversized_token_request_is_a_json_413(client: Client) -> None:
    response = client.post(
        "/o/token/", "grant_type=password&x=" + "a" * MAX_BODY, content_type=FORM
    )
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_request"


def test_an_oversized_admin_login_is_a_json_400(client: Client) -> None:
    response = client.post("/admin/login/", "username=" + "a" * MAX_BODY, content_type=FORM)
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


def raw_get(live_server: LiveServer, path: str, headers: list[tuple[str, str]]) -> tuple[int, Any]:
    """A request with repeated headers, which django.test.Client cannot send."""
    url = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.putrequest("GET", path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_authorization_headers_over_http_are_refused(live_server: LiveServer) -> None:
    from tests.factories import AccessTokenFactory

    token = AccessTokenFactory.create(scope="read").token
    good = ("Authorization", f"Bearer {token}")
    status, body = raw_get(live_server, "/users/", [good])
    assert status == 200
    status, body = raw_get(live_server, "/users/", [good, ("Authorization", "Bearer other")])
    assert status == 401
    assert body["detail"] == "The access token is malformed."
    status, body = raw_get(live_server, "/users/", [good, good])
    assert status == 401


def test_a_nul_byte_in_the_admin_login_is_a_form_error(client: Client) -> None:
    response = client.post("/admin/login/", {"username": "ad\x00min", "password": "x"})
    assert response.status_code == 200  # the form again, with the error; never a 500
