"""Helpers of the SCIM tests: a provisioning client as Entra ID and Okta are configured (a
confidential application of the client credentials grant, its owner holding the directory's
model permissions) and requests in SCIM's media type."""

import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from tests.factories import AccessTokenFactory, ApplicationFactory, UserFactory

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
else:
    Response = Any

SCIM = "application/scim+json"
BASE = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
DIRECTORY_PERMS = [
    f"auth.{action}_{model}"
    for action in ("view", "add", "change", "delete")
    for model in ("user", "group")
]


def provisioning_client(perms: list[str] | None = None, owner: User | None = None) -> Application:
    owner = owner or UserFactory.create(
        username="provisioner", permissions=DIRECTORY_PERMS if perms is None else perms
    )
    return ApplicationFactory.create(
        name="Entra ID provisioning",
        client_id="entra-provisioning",
        user=owner,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )


def scim_token(application: Application, scope: str = "scim") -> AccessToken:
    """What DOT issues for the client credentials grant: a token without a user."""
    token: AccessToken = AccessTokenFactory.create(user=None, application=application, scope=scope)
    return token


class Scim:
    """A provisioning client's requests."""

    def __init__(self, client: Client, token: AccessToken) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token.token}"}

    def _send(self, method: str, path: str, body: Any = None, **headers: str) -> Response:
        send = getattr(self.client, method)
        all_headers = {**self.headers, **headers}
        if body is None:
            return send(BASE + path, headers=all_headers)  # type: ignore[no-any-return]
        return send(  # type: ignore[no-any-return]
            BASE + path, json.dumps(body), content_type=SCIM, headers=all_headers
        )

    def get(self, path: str, **headers: str) -> Response:
        return self._send("get", path, **headers)

    def post(self, path: str, body: Any, **headers: str) -> Response:
        return self._send("post", path, body, **headers)

    def put(self, path: str, body: Any, **headers: str) -> Response:
        return self._send("put", path, body, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> Response:
        return self._send("patch", path, body, **headers)

    def delete(self, path: str, **headers: str) -> Response:
        return self._send("delete", path, **headers)


def patch_op(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def error_of(response: Response) -> tuple[int, str | None]:
    """The SCIM error's status and scimType, checked for the shape of RFC 7644 §3.12."""
    body = response.json()
    assert response["Content-Type"].startswith(SCIM)
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(response.status_code)
    return response.status_code, body.get("scimType")
