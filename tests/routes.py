"""Every operation of the API, as the authorization tests call it: one table, which
tests/test_auth_matrix.py checks against the routers."""

import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.test import Client

from audit.services import event_record
from core.http import SAFE_METHODS
from tests.factories import PASSWORD, GroupFactory, UserFactory
from tests.helpers import Response


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {user}: another user; {group}: a group; {event}: an audit event
    ok: int
    permission: str | None = None  # the model permission it needs on top of the scopes
    body: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def template(self) -> str:
        """The path as the routers and the OpenAPI document spell it."""
        return re.sub(r"\{(user|group|event)\}", r"{\1_id}", self.path)

    @property
    def perms(self) -> list[str]:
        """The least a user needs for the operation: its model permission, if any."""
        return [self.permission] if self.permission else []

    @property
    def scopes(self) -> set[str]:
        method_scope = "read" if self.method in SAFE_METHODS else "write"
        extra = {"/groups/": {"groups"}, "/audit/": {"audit"}}
        return {method_scope} | next(
            (scopes for prefix, scopes in extra.items() if self.path.startswith(prefix)), set()
        )

    def call(
        self, client: Client, headers: dict[str, str], *, naming_nothing: bool = False
    ) -> Response:
        """The operation on a fresh user, group and audit event (or on ids that name nothing),
        the body sent as JSON."""
        ids = fresh_ids()
        if naming_nothing:
            ids = {name: pk + 10_000 for name, pk in ids.items()}
        return client.generic(
            self.method,
            self.path.format(**ids),
            data=json.dumps(self.body) if self.body else "",
            content_type="application/json",
            headers=headers,
        )


def fresh_ids() -> dict[str, int]:
    """A fresh user, group and audit event, by the names route paths give them."""
    user, group = UserFactory.create(), GroupFactory.create()
    with transaction.atomic():
        event = event_record(
            action="user.created", target_type="user", target_id=user.pk, target_label="x"
        )
    return {"user": user.pk, "group": group.pk, "event": event.pk}


ROUTES = [
    Route("GET", "/users/", 200),
    Route("POST", "/users/", 201, "auth.add_user", {"username": "newcomer", "password": PASSWORD}),
    Route("GET", "/users/me/", 200),
    # The token's own user: its names need no permission (self-service).
    Route(
        "PUT",
        "/users/me/",
        200,
        body={
            "username": "myself",
            "email": "me@example.com",
            "first_name": "M",
            "last_name": "E",
            "is_active": True,
        },
    ),
    Route("PATCH", "/users/me/", 200, body={"first_name": "Me"}),
    Route("GET", "/users/{user}/", 200),
    Route(
        "PUT",
        "/users/{user}/",
        200,
        "auth.change_user",
        {
            "username": "renamed",
            "email": "r@example.com",
            "first_name": "R",
            "last_name": "N",
            "is_active": True,
        },
    ),
    Route("PATCH", "/users/{user}/", 200, "auth.change_user", {"first_name": "Patched"}),
    Route("DELETE", "/users/{user}/", 204, "auth.delete_user"),
    Route("GET", "/groups/", 200),
    Route("POST", "/groups/", 201, "auth.add_group", {"name": "new-group"}),
    Route("GET", "/groups/{group}/", 200),
    Route("PUT", "/groups/{group}/", 200, "auth.change_group", {"name": "renamed-group"}),
    Route("PATCH", "/groups/{group}/", 200, "auth.change_group", {"name": "patched-group"}),
    Route("DELETE", "/groups/{group}/", 204, "auth.delete_group"),
    Route("GET", "/groups/{group}/members/", 200),
    Route("PUT", "/groups/{group}/members/{user}/", 204, "auth.change_user"),
    Route("DELETE", "/groups/{group}/members/{user}/", 204, "auth.change_user"),
    Route("GET", "/audit/events/", 200, "audit.view_auditevent"),
    Route("GET", "/audit/events/{event}/", 200, "audit.view_auditevent"),
]
ROUTE_IDS = [route.id for route in ROUTES]
# HEAD on every GET route (config/methods.py): GET's answer without its body.
HEAD_ROUTES = [
    Route("HEAD", route.path, route.ok, route.permission)
    for route in ROUTES
    if route.method == "GET"
]
HEAD_ROUTE_IDS = [route.id for route in HEAD_ROUTES]
# Every path of the API and the methods OPTIONS and a 405 list for it in `Allow`.
ALLOW = {
    path: sorted({r.method for r in ROUTES + HEAD_ROUTES if r.path == path} | {"OPTIONS"})
    for path in dict.fromkeys(route.path for route in ROUTES)
}
# Every model permission the API checks: a user holding them all may make any operation.
PERMISSIONS = sorted({route.permission for route in ROUTES if route.permission})
