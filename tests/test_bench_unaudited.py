"""The benchmark's unaudited app (bench/unaudited.py) records nothing for the writes it
measures, and the service records them again once it is done: the bench's "no audit" row
prices the audit, not a different request."""

import json
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from audit.models import AuditEvent
from tests.conftest import BearerFactory
from tests.factories import UserFactory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from unaudited import without_audit

pytestmark = pytest.mark.django_db


def writes(client: Client, headers: dict[str, str]) -> int:
    """A PATCH of a user (the bench's write) and a membership added; the events recorded."""
    before = AuditEvent.objects.count()
    user = UserFactory.create()
    group = Group.objects.create(name=f"g{user.pk}")
    start = AuditEvent.objects.count()
    patched = client.patch(
        f"/users/{user.pk}/",
        json.dumps({"first_name": "Changed"}),
        content_type="application/json",
        headers=headers,
    )
    added = client.put(f"/groups/{group.pk}/members/{user.pk}/", headers=headers)
    assert (patched.status_code, added.status_code) == (200, 204)
    assert start >= before
    return AuditEvent.objects.count() - start


def test_the_unaudited_app_records_none_of_the_benchmarked_writes(
    client: Client, bearer: BearerFactory
) -> None:
    headers = bearer(perms=["auth.change_user"])
    with without_audit():
        assert writes(client, headers) == 0
    assert writes(client, headers) == 2
