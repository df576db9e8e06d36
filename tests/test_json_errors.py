"""Outside the HTML pages every error is JSON with a `detail`, with DEBUG on as off: Django's
debug pages (technical_404, technical_500) and Ninja's text traceback never reach a client of
the API or of /o/; the admin, sign-in, application and Swagger pages keep their HTML."""

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tests.factories import UserFactory
from tests.helpers import Response
from tests.security.live import live_environment, live_servers

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found."}
SERVER_ERROR = {"detail": "Internal server error."}
# An unknown URL under each prefix that is not an HTML page, with and without the slash.
UNSERVED = ["/nope/", "/nope", "/users/1/nope/", "/o/nope/", "/o/token/nope/", "/health/nope/"]


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request: pytest.FixtureRequest, settings: Settings) -> bool:
    settings.DEBUG = request.param  # pytest-django forces it off; `make run` turns it on
    return bool(request.param)


def assert_json(response: Response, status: int, body: dict[str, str]) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json() == body
    if response.has_header("Content-Length"):
        assert int(response["Content-Length"]) == len(response.content)


@pytest.mark.parametrize("path", UNSERVED)
def test_a_url_nothing_serves_is_a_json_404(client: Client, debug: bool, path: str) -> None:
    response = client.get(path)
    assert_json(response, 404, NOT_FOUND)
    assert response["X-Content-Type-Options"] == "nosniff"  # the inner layers' headers stay


def test_a_missing_slash_is_still_redirected_with_debug_on(client: Client, debug: bool) -> None:
    response = client.get("/health/live")
    assert (response.status_code, response["Location"]) == (301, "/health/live/")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("GET", "/o/token/", "POST"), ("POST", "/users/me/", "GET"), ("POST", "/health/live/", "GET")],
)
def test_a_method_a_path_lacks_is_a_json_405(
    client: Client, debug: bool, method: str, path: str, allow: str
) -> None:
    response = client.generic(method, path)
    assert_json(response, 405, {"detail": "Method not allowed."})
    assert allow in response["Allow"]


@pytest.mark.urls("tests.failing_urls")
@pytest.mark.parametrize("path", ["/fail/", "/o/fail/", "/failing-api/"])
def test_a_bug_is_a_json_500(debug: bool, path: str) -> None:
    response = Client(raise_request_exception=False).get(path)
    assert_json(response, 500, SERVER_ERROR)
    assert b"Traceback" not in response.content


@pytest.mark.urls("tests.failing_urls")
def test_a_bug_on_an_html_page_shows_djangos_debug_page(settings: Settings) -> None:
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get("/accounts/fail/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/accounts/nope/", "/o/applications/999999/", "/docs/nope"])
def test_html_pages_keep_djangos_debug_404(client: Client, settings: Settings, path: str) -> None:
    settings.DEBUG = True
    client.force_login(UserFactory.create())
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/docs", "/accounts/login/", "/admin/login/"])
def test_html_pages_answer_html(client: Client, debug: bool, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (our own server)
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


@pytest.mark.django_db(transaction=True)
def test_runserver_with_debug_on_answers_json_errors(tmp_path: Path) -> None:
    """As `make run` serves: manage.py runserver with DJANGO_DEBUG=true."""
    with (
        live_environment(tmp_path) as env,
        live_servers(tmp_path, {**env, "DJANGO_DEBUG": "true"}, 1) as (urls, _),
    ):
        assert fetch(urls[0] + "/nope/") == (404, "application/json", b'{"detail": "Not found."}')
        status, media_type, _ = fetch(urls[0] + "/o/token/")
        assert (status, media_type) == (405, "application/json")
        status, media_type, body = fetch(urls[0] + "/accounts/nope/")
        assert (status, media_type) == (404, "text/html; charset=utf-8")
        assert b"DEBUG = True" in body  # Django's debug page: the server did run with DEBUG on
