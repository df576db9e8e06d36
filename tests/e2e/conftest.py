"""A real browser (Debian's chromium, driven by Playwright) against pytest-django's live server.

`make e2e` installs chromium and runs these; `make test` leaves them out. Each test records a
screenshot per step; on failure they are written to test-artifacts/<test>/ with a final
screenshot and a Playwright trace (`playwright show-trace trace.zip`).
E2E_ARTIFACTS=always keeps them for passing tests too.
"""

import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    APIRequestContext,
    Browser,
    BrowserContext,
    Page,
    expect,
    sync_playwright,
)
from playwright.sync_api import Playwright as PlaywrightType
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Generous waits for a loaded CI machine; a passing run never waits this long.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)

# Swagger UI's public client may return to any port on http://127.0.0.1 (RFC 8252 §7.3), not
# on `localhost`, pytest-django's default host for the live server.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")


class Steps:
    """Screenshots of a test's steps, kept in memory until the test is known to have failed."""

    def __init__(self) -> None:
        self.shots: list[tuple[str, bytes]] = []

    def __call__(self, page: Page, name: str) -> None:
        self.shots.append((name, page.screenshot(full_page=True)))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for number, (name, png) in enumerate(self.shots, start=1):
            (directory / f"{number:02d}-{name}.png").write_bytes(png)


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        item.stash.setdefault(FAILED, True)
    return report


@pytest.fixture(scope="session")
def playwright() -> Iterator[PlaywrightType]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make e2e` installs Debian's chromium"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop running in this thread, which Django's ORM
    # takes for async code; the ORM calls here are plain synchronous test setup.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as driver:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: PlaywrightType) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def steps() -> Steps:
    return Steps()


@pytest.fixture
def context(
    browser: Browser, live_server: LiveServer, steps: Steps, request: pytest.FixtureRequest
) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    context.tracing.start(screenshots=True, snapshots=True)
    yield context
    failed = request.node.stash.get(FAILED, False)
    directory = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    if failed or os.environ.get("E2E_ARTIFACTS") == "always":
        for number, page in enumerate(context.pages, start=1):
            steps(page, f"at-the-end-{number}")
        steps.save(directory)
        context.tracing.stop(path=directory / "trace.zip")
    else:
        context.tracing.stop()
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def http(playwright: PlaywrightType, live_server: LiveServer) -> Iterator[APIRequestContext]:
    """A plain HTTP client (no browser cookies) on the live server."""
    client = playwright.request.new_context(base_url=live_server.url)
    yield client
    client.dispose()
