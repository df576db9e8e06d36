"""PATCH (RFC 7644 §3.5.2) is atomic: a request applies all its operations or none, the
failure found in the last one included, and membership rules hold as in the REST API."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from tests.factories import GroupFactory, SuperuserFactory, UserFactory
from tests.scim import Scim, error_of, patch_op, provisioning_client, scim_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def scim(client: Client) -> Scim:
    return Scim(client, scim_token(provisioning_client()))


def test_a_failed_operation_leaves_the_earlier_ones_unapplied(scim: Scim) -> None:
    user = UserFactory.create(first_name="Before")
    events = AuditEvent.objects.count()
    response = scim.patch(
        f"/Users/{user.pk}",
        patch_op(
            {"op": "replace", "path": "name.givenName", "value": "After"},
            {"op": "replace", "path": "active", "value": False},
            {"op": "replace", "path": "userName", "value": "not valid!"},
        ),
    )
    assert error_of(response) == (400, "invalidValue")
    user.refresh_from_db()
    assert (user.first_name, user.is_active) == ("Before", True)
    assert AuditEvent.objects.count() == events


def test_a_conflict_in_a_later_write_rolls_back_the_earlier_writes(scim: Scim) -> None:
    UserFactory.create(username="taken")
    group = GroupFactory.create(name="one")
    GroupFactory.create(name="two")
    member = UserFactory.create()
    response = scim.patch(
        f"/Groups/g{group.pk}",
        patch_op(
            {"op": "add", "path": "members", "value": [{"value": str(member.pk)}]},
            {"op": "replace", "path": "displayName", "value": "two"},
        ),
    )
    assert error_of(response) == (409, "uniqueness")
    group.refresh_from_db()
    assert group.name == "one"
    assert not group.user_set.exists()


def test_a_member_who_is_no_user_fails_the_whole_patch(scim: Scim) -> None:
    group = GroupFactory.create(name="g")
    member = UserFactory.create()
    response = scim.patch(
        f"/Groups/g{group.pk}",
        patch_op(
            {"op": "add", "path": "members", "value": [{"value": str(member.pk)}]},
            {"op": "add", "path": "members", "value": [{"value": "999999"}]},
        ),
    )
    assert error_of(response) == (400, "invalidValue")
    assert not group.user_set.exists()


def test_malformed_patches_are_scim_errors(scim: Scim) -> None:
    user = UserFactory.create()
    path = f"/Users/{user.pk}"
    assert error_of(scim.patch(path, {"Operations": []})) == (400, "invalidSyntax")
    assert error_of(scim.patch(path, patch_op({"op": "move", "path": "active"}))) == (
        400,
        "invalidSyntax",
    )
    assert error_of(scim.patch(path, patch_op({"op": "remove"}))) == (400, "noTarget")
    assert error_of(scim.patch(path, patch_op({"op": "replace", "path": "emails[type eq]"}))) == (
        400,
        "invalidPath",
    )
    assert error_of(scim.patch(path, patch_op({"op": "replace", "path": "id", "value": "1"}))) == (
        400,
        "mutability",
    )


def test_remove_and_replace_of_complex_and_multi_valued_attributes(scim: Scim) -> None:
    user = UserFactory.create(first_name="A", last_name="B", email="a@example.com")
    path = f"/Users/{user.pk}"
    body = scim.patch(path, patch_op({"op": "remove", "path": "name.givenName"})).json()
    assert body["name"] == {"familyName": "B"}
    body = scim.patch(path, patch_op({"op": "remove", "path": "emails"})).json()
    assert "emails" not in body
    body = scim.patch(
        path,
        patch_op(
            {"op": "replace", "path": "name", "value": {"givenName": "C"}},
            {
                "op": "add",
                "path": "emails",
                "value": [{"value": "c@example.com", "type": "work", "primary": "True"}],
            },
        ),
    ).json()
    assert body["name"]["givenName"] == "C"
    assert body["name"]["familyName"] == "B"
    assert body["emails"][0]["value"] == "c@example.com"


def test_replace_of_members_sets_exactly_those(scim: Scim) -> None:
    group = GroupFactory.create()
    old, kept, new = UserFactory.create_batch(3)
    group.user_set.add(old, kept)
    scim.patch(
        f"/Groups/g{group.pk}",
        patch_op(
            {
                "op": "replace",
                "path": "members",
                "value": [{"value": str(kept.pk)}, {"value": str(new.pk)}],
            }
        ),
    )
    assert set(group.user_set.all()) == {kept, new}
    scim.patch(f"/Groups/g{group.pk}", patch_op({"op": "remove", "path": "members"}))
    assert not group.user_set.exists()


def test_membership_needs_change_user_and_a_superusers_only_a_superuser(client: Client) -> None:
    group = GroupFactory.create()
    admin = SuperuserFactory.create()
    only_groups = Scim(client, scim_token(provisioning_client(perms=["auth.change_group"])))
    add_user = patch_op(
        {"op": "add", "path": "members", "value": [{"value": str(UserFactory.create().pk)}]}
    )
    assert error_of(only_groups.patch(f"/Groups/g{group.pk}", add_user)) == (403, None)
    User.objects.filter(username="provisioner").delete()
    full = Scim(client, scim_token(provisioning_client()))
    add_admin = patch_op({"op": "add", "path": "members", "value": [{"value": str(admin.pk)}]})
    assert error_of(full.patch(f"/Groups/g{group.pk}", add_admin)) == (403, None)
    assert not group.user_set.exists()


def test_membership_changes_are_audited_once_with_the_client(scim: Scim) -> None:
    group = GroupFactory.create()
    member = UserFactory.create()
    add = patch_op({"op": "add", "path": "members", "value": [{"value": str(member.pk)}]})
    scim.patch(f"/Groups/g{group.pk}", add)
    scim.patch(f"/Groups/g{group.pk}", add)
    events = AuditEvent.objects.filter(action="group.member_added")
    assert [(e.target_id, e.changes, e.client_id) for e in events] == [
        (str(group.pk), {"member": [None, member.pk]}, "entra-provisioning")
    ]


def test_if_match_on_a_group(scim: Scim) -> None:
    group = GroupFactory.create(name="before")
    version = scim.get(f"/Groups/g{group.pk}").json()["meta"]["version"]
    rename = patch_op({"op": "replace", "path": "displayName", "value": "after"})
    assert scim.patch(f"/Groups/g{group.pk}", rename, **{"If-Match": version}).status_code == 200
    again = patch_op({"op": "replace", "path": "displayName", "value": "again"})
    assert error_of(scim.patch(f"/Groups/g{group.pk}", again, **{"If-Match": version})) == (
        412,
        None,
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises its writers")
@pytest.mark.parametrize("kind", ["Users", "Groups"])
def test_a_patch_reads_the_resource_it_patches_under_a_row_lock(scim: Scim, kind: str) -> None:
    """Locked from the PATCH's read to its write: one that read before another change
    committed would write back a document without it (a lost edit)."""
    if kind == "Users":
        path, table = f"/Users/{UserFactory.create().pk}", "auth_user"
        op = {"op": "replace", "path": "name.givenName", "value": "Patched"}
    else:
        path, table = f"/Groups/g{GroupFactory.create().pk}", "auth_group"
        op = {"op": "replace", "path": "displayName", "value": "patched"}
    with CaptureQueriesContext(connection) as queries:
        assert scim.patch(path, patch_op(op)).status_code == 200
    reads = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    assert reads, queries.captured_queries
    assert "FOR UPDATE" in reads[0], reads[0]
