"""HEAD and OPTIONS on every path of the API (RFC 9110 §9.3.2, §9.3.7; config/methods.py)."""

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from pytest_django import DjangoAssertNumQueries

from tests.conftest import BearerFactory
from tests.factories import GroupFactory, UserFactory
from tests.helpers import parse_challenge
from tests.routes import ALLOW, HEAD_ROUTE_IDS, HEAD_ROUTES, Route, fresh_ids
from tests.security.live import live_service

pytestmark = pytest.mark.django_db


def on_fresh_objects(route: Route, *, naming_nothing: bool = False) -> str:
    offset = 10_000 if naming_nothing else 0
    return route.path.format(**{name: pk + offset for name, pk in fresh_ids().items()})


def enough(bearer: BearerFactory, route: Route) -> dict[str, str]:
    """An ordinary user's token with just the scopes and permission the route needs."""
    return bearer(scope=" ".join(route.scopes | {"write"}), perms=route.perms)


CREDENTIALS: dict[str, tuple[Callable[[BearerFactory, Route], dict[str, str]], int]] = {
    "ordinary-user": (enough, 200),
    "no-token": (lambda bearer, route: {}, 401),
    "token-without-read": (lambda bearer, route: bearer(scope="write groups audit"), 403),
}


@pytest.mark.parametrize("route", HEAD_ROUTES, ids=HEAD_ROUTE_IDS)
@pytest.mark.parametrize("credentials", list(CREDENTIALS))
def test_head_answers_the_status_and_headers_of_get_without_the_body(
    client: Client, bearer: BearerFactory, route: Route, credentials: str
) -> None:
    make_headers, status = CREDENTIALS[credentials]
    # One request id for both: otherwise each gets its own X-Request-ID.
    headers = {**make_headers(bearer, route), "X-Request-ID": "head-and-get"}
    path = on_fresh_objects(route)
    get = client.get(path, headers=headers)
    head = client.head(path, headers=headers)
    assert (head.status_code, get.status_code) == (status, status)
    assert head.content == b""
    assert dict(head.headers) == dict(get.headers)
    assert head["Content-Length"] == str(len(get.content)) != "0"


@pytest.mark.parametrize("route", HEAD_ROUTES, ids=HEAD_ROUTE_IDS)
def test_head_needs_the_read_scope_as_get_does(
    client: Client, bearer: BearerFactory, route: Route
) -> None:
    head = client.head(on_fresh_objects(route), headers=bearer(scope="write groups"))
    assert head.status_code == 403
    scheme, params = parse_challenge(head["WWW-Authenticate"])
    assert scheme == "Bearer"
    assert params["error"] == "insufficient_scope"
    assert set(params["scope"].split()) == route.scopes


@pytest.mark.parametrize("route", [r for r in HEAD_ROUTES if "{" in r.path], ids=lambda r: r.id)
def test_head_of_what_does_not_exist_is_a_404_like_get(
    client: Client, bearer: BearerFactory, route: Route
) -> None:
    path = on_fresh_objects(route, naming_nothing=True)
    head = client.head(path, headers=enough(bearer, route))
    assert head.status_code == 404
    assert head["Content-Length"] == str(
        len(client.get(path, headers=enough(bearer, route)).content)
    )


def test_the_application_itself_sends_no_head_body(bearer: BearerFactory) -> None:
    """Not left to the server: gunicorn drops a HEAD body, but logs a warning for each.
    django.test.Client drops it too (conditional_content_removal), so Django's WSGI handler
    is called here as a server would."""
    request = RequestFactory().head("/users/me/", headers=bearer())
    sent: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], *exc: object) -> Any:
        return sent.append

    # As django.test.Client does: the request must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(request.environ, start_response)
    finally:
        request_started.connect(close_old_connections)
    sent += response
    assert b"".join(sent) == b""
    assert int(response["Content-Length"]) > 0


@pytest.mark.parametrize("path", list(ALLOW))
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-real-token"}],
    ids=["no-token", "unknown-token"],
)
def test_options_lists_the_methods_of_the_path_without_asking_for_a_token(
    client: Client,
    django_assert_num_queries: DjangoAssertNumQueries,
    path: str,
    headers: dict[str, str],
) -> None:
    concrete = on_fresh_objects(Route("OPTIONS", path, 204))
    with django_assert_num_queries(0):
        response = client.options(concrete, headers=headers)
    assert response.status_code == 204
    assert response["Allow"] == ", ".join(ALLOW[path])
    assert response.content == b""
    assert "Content-Type" not in response


@pytest.mark.parametrize("path", list(ALLOW))
@pytest.mark.parametrize("method", ["TRACE", "QUERY"])
def test_a_method_the_path_lacks_is_a_405_with_the_same_allow_as_options(
    client: Client, path: str, method: str
) -> None:
    concrete = on_fresh_objects(Route(method, path, 405))
    response = client.generic(method, concrete)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method not allowed."}
    assert response["Allow"] == client.options(concrete)["Allow"] == ", ".join(ALLOW[path])


def test_options_says_what_each_kind_of_path_has(client: Client) -> None:
    user, group = UserFactory.create(), GroupFactory.create()
    expected = {
        "/users/me/": "GET, HEAD, OPTIONS, PATCH, PUT",
        "/users/": "GET, HEAD, OPTIONS, POST",
        f"/users/{user.pk}/": "DELETE, GET, HEAD, OPTIONS, PATCH, PUT",
        f"/groups/{group.pk}/members/{user.pk}/": "DELETE, OPTIONS, PUT",
        "/openapi.json": "GET, HEAD, OPTIONS",
        "/docs": "GET, HEAD, OPTIONS",
    }
    assert {path: client.options(path)["Allow"] for path in expected} == expected


@pytest.mark.parametrize("path", ["/openapi.json", "/docs"])
def test_the_documents_pages_answer_head_and_refuse_writes(client: Client, path: str) -> None:
    head = client.head(path)
    assert head.status_code == 200
    assert head["Content-Length"] == str(len(client.get(path).content))
    post = client.post(path)
    assert post.status_code == 405
    assert post["Allow"] == "GET, HEAD, OPTIONS"


def raw_head(url: str, path: str, token: str) -> tuple[bytes, bytes]:
    """A HEAD request over a socket, read to the connection's end: the head and whatever the
    server sent after it."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            f"HEAD {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    return head, rest


@pytest.mark.parametrize("server", ["runserver", "gunicorn"])
def test_head_sends_no_body_on_the_wire(tmp_path: Path, server: str) -> None:
    with live_service(tmp_path, servers=(server,)) as service:  # type: ignore[arg-type]
        head, rest = raw_head(service.urls[0], "/users/me/", service.token)
        gone, _ = raw_head(service.urls[0], "/users/me/", "not-a-real-token")
        logs = service.logs[0].read_text()
    status_line, *lines = head.decode().split("\r\n")
    fields = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines)}
    assert status_line.startswith("HTTP/1.1 200")
    assert int(fields["content-length"]) > 0
    assert rest == b""
    assert gone.startswith(b"HTTP/1.1 401")
    assert "no-body response" not in logs
