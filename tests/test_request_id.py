"""Every answer carries X-Request-ID: the client's own if well-formed, else a fresh one; every
log line of the request prints the same id (core/request_id.py)."""

import logging
import re
from datetime import timedelta

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from core.request_id import current_request_id
from tests.conftest import BearerFactory
from tests.factories import ApplicationFactory, SuperuserFactory, UserFactory
from tests.helpers import Response
from tests.security.conftest import CLIENT_SECRET, OAuthClient

pytestmark = pytest.mark.django_db

FRESH = re.compile(r"[0-9a-f]{32}")


def sent(client: Client, request_id: str, path: str = "/health/live/") -> Response:
    return client.get(path, headers={"X-Request-ID": request_id})


@pytest.mark.parametrize(
    "request_id",
    ["a", "0f9c2a7e-3b1d-4c55-9a0e-2d6f1b8c7e41", "trace.span_1:retry-2", "x" * 128],
)
def test_a_well_formed_id_is_answered_as_sent(client: Client, request_id: str) -> None:
    assert sent(client, request_id)["X-Request-ID"] == request_id


@pytest.mark.parametrize(
    "request_id",
    [
        "",
        "x" * 129,
        "abc\r\nX-Injected: yes",
        "abc\n",
        "two words",
        "token=abc",
        '"quoted"',
        "caf\u00e9",
        "a,b",  # two X-Request-ID headers, as a server joins them
    ],
)
def test_any_other_id_is_replaced_never_echoed(client: Client, request_id: str) -> None:
    response = sent(client, request_id)
    assert FRESH.fullmatch(response["X-Request-ID"])
    assert not response.has_header("X-Injected")


def test_without_an_id_each_request_gets_a_fresh_one(client: Client) -> None:
    ids = [client.get("/health/live/")["X-Request-ID"] for _ in range(3)]
    assert all(FRESH.fullmatch(request_id) for request_id in ids)
    assert len(set(ids)) == 3


def test_the_id_does_not_outlive_its_request(client: Client) -> None:
    sent(client, "finished")
    assert current_request_id() is None


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/nope/", 404),
        ("delete", "/health/live/", 405),
        ("get", "/users/", 401),
        ("get", "/users/?access_token=x", 400),
        ("get", "/admin/", 302),
        ("get", "/admin/login/", 200),
        ("get", "/o/applications/", 302),
        ("post", "/o/token/", 400),
        ("post", "/o/introspect/", 401),
    ],
)
def test_every_layer_answers_with_the_id(
    client: Client, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path, headers={"X-Request-ID": "layer"})
    assert response.status_code == status
    assert response["X-Request-ID"] == "layer"


def test_an_api_answer_carries_the_id(client: Client, bearer: BearerFactory) -> None:
    response = client.get("/users/me/", headers={**bearer(), "X-Request-ID": "api"})
    assert (response.status_code, response["X-Request-ID"]) == (200, "api")


def test_a_signed_in_admin_page_carries_the_id(client: Client) -> None:
    client.force_login(SuperuserFactory.create())
    response = sent(client, "admin", "/admin/auth/user/")
    assert (response.status_code, response["X-Request-ID"]) == (200, "admin")


def test_a_throttled_login_carries_the_id(client: Client, settings: Settings) -> None:
    oauth_client = OAuthClient(ApplicationFactory.create(client_secret=CLIENT_SECRET))
    settings.AXES_FAILURE_LIMIT = 1
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    user = UserFactory.create()
    data = {"grant_type": "password", "username": user.username, "password": "wrong"}
    headers = {**oauth_client.basic(), "X-Request-ID": "throttled"}
    response = client.post("/o/token/", data, headers=headers)
    assert (response.status_code, response["X-Request-ID"]) == (429, "throttled")


@pytest.mark.urls("tests.failing_urls")
def test_a_bug_answers_with_the_id() -> None:
    response = sent(Client(raise_request_exception=False), "bug", "/fail/")
    assert (response.status_code, response["X-Request-ID"]) == (500, "bug")


def _console() -> logging.Handler:
    """The handler LOGGING gives the root logger, with its filters and formatter."""
    (console,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    return console


def test_a_warning_of_the_request_prints_its_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    console = _console()
    for configured in console.filters:  # as the console handler sees the record, when logged
        caplog.handler.addFilter(configured)
    caplog.set_level(logging.WARNING, logger="django.request")
    sent(client, "warned", "/nope/")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert console.format(record) == "WARNING django.request request_id=warned Not Found: /nope/"


def test_a_line_outside_any_request_prints_a_dash(caplog: pytest.LogCaptureFixture) -> None:
    console = _console()
    for configured in console.filters:
        caplog.handler.addFilter(configured)
    logging.getLogger("directory").warning("at start-up")
    (record,) = caplog.records
    assert console.format(record) == "WARNING directory request_id=- at start-up"
