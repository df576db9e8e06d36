"""scim2-tester, the python-scim project's compliance checker, against the service as deployed
(tests/security/live.py: a server with the real settings and its own database), as a
provisioning client reaches it: a client credentials token from /o/token/ over HTTP, then
discovery and, for Users and Groups, creation, reads, queries, PUT, PATCH add, remove and
replace of every writable attribute, and deletion. No check fails.

The checker fills every attribute with a random UUID, the password too, which the
server's UserAttributeSimilarityValidator refuses now and then as "too similar" to the UUID
it put in the username. `StrongPasswords` hands the server a strong password of its own in
place of each one (never read back: password is writeOnly), so the validators stay on.
"""

import base64
import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from scim2_client.client import BaseSyncSCIMClient
from scim2_tester import Status, check_server

from tests.security.live import Service, live_service

SETUP = """
import json
from django.contrib.auth.models import Permission, User
from oauth2_provider.models import Application

owner = User.objects.create_user("scim-provisioner")
owner.user_permissions.set(
    Permission.objects.filter(
        content_type__app_label="auth", content_type__model__in=["user", "group"]
    )
)
Application.objects.create(
    name="provisioning", client_id="provisioning", client_secret="provisioning-secret-0123456789",
    client_type="confidential", authorization_grant_type="client-credentials", user=owner,
)
print(json.dumps({}))
"""


def _strong(value: Any) -> Any:
    """`value` with every password in it (a body's, a PATCH operation's) replaced."""
    if isinstance(value, list):
        return [_strong(item) for item in value]
    if not isinstance(value, dict):
        return value
    replaced = {key: _strong(item) for key, item in value.items()}
    for key in replaced:
        if key.lower() == "password":
            replaced[key] = "Pw-" + secrets.token_urlsafe(18)
    if str(replaced.get("path", "")).lower() == "password" and "value" in replaced:
        replaced["value"] = "Pw-" + secrets.token_urlsafe(18)
    return replaced


class StrongPasswords(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.content and b"assword" in request.content:
            body = json.dumps(_strong(json.loads(request.content))).encode()
            headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            request = httpx.Request(request.method, request.url, headers=headers, content=body)
        return super().handle_request(request)


class LiveSCIMClient(BaseSyncSCIMClient):
    """scim2-client's synchronous client over httpx (its own engine needs httpx2)."""

    def __init__(self, client: httpx.Client, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.host == base.host and url.raw_path.startswith(base.raw_path)

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **kwargs)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with live_service(tmp_path_factory.mktemp("scim"), servers=1) as live:
        live.shell(SETUP)
        yield live


def test_scim2_tester_reports_no_failure_for_users_and_groups(service: Service) -> None:
    basic = base64.b64encode(b"provisioning:provisioning-secret-0123456789").decode()
    issued = httpx.post(
        f"{service.urls[0]}/o/token/",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert issued.status_code == 200, issued.text
    assert issued.json()["scope"] == "scim"
    with httpx.Client(
        base_url=f"{service.urls[0]}/scim/v2",
        headers={"Authorization": f"Bearer {issued.json()['access_token']}"},
        transport=StrongPasswords(),
        timeout=60,
    ) as http:
        results = check_server(LiveSCIMClient(http), resource_types=["User", "Group"])
    failures = [
        f"{result.title}: {result.reason}"
        for result in results
        if result.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    assert failures == []
    assert sum(result.status == Status.SUCCESS for result in results) > 30
