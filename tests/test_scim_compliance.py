"""The python-scim project's compliance checker, scim2-tester, against /scim/v2/: discovery,
then for Users and Groups creation, reads, queries with attributes, PUT, PATCH add, remove
and replace of every writable attribute, deletion and the 404 after it. It reports no
failure.

It drives the whole Django stack (middleware, URL routing, the bearer token) in process,
through scim2-client's WSGI engine: the checker fills every string with a random UUID,
password included, which Django's UserAttributeSimilarityValidator then finds "too similar
to the username" now and then, so the test runs without password validators, which only a
test's settings can turn off. The validators themselves are tested in test_scim_users.py.
tests/security/test_scim_live.py runs the same checker against a live server, validators on.
"""

from collections.abc import Iterator

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from pytest_django.fixtures import Settings
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

from tests.scim import provisioning_client, scim_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def connections_kept() -> Iterator[None]:
    """What django.test.Client does around its requests: Django's handler closes the database
    connection when a request ends, which would end the test's transaction (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("connections_kept")
def test_scim2_tester_reports_no_failure_for_users_and_groups(settings: Settings) -> None:
    settings.AUTH_PASSWORD_VALIDATORS = []
    token = scim_token(provisioning_client())
    client = WSGISCIMClient(
        WSGIHandler(),
        base_url="http://testserver/scim/v2",
        headers={"Authorization": f"Bearer {token.token}"},
    )
    results = check_server(client, resource_types=["User", "Group"])
    failures = [
        f"{result.title}: {result.reason}"
        for result in results
        if result.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    assert failures == []
    succeeded = [result for result in results if result.status == Status.SUCCESS]
    assert len(succeeded) > 30
