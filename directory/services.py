"""Writes. Each checks what `actor` may do (directory.permissions) before it starts its one
transaction; uniqueness races surface as Conflict, not a 500.

Writes to one user or group take the request's `preconditions` (If-Match, If-None-Match; RFC
9110 §13): checked on the row read before, so a stale tag fails before any lock or hashing,
then again on the row re-read and locked inside the write's transaction, so that the check
and the write are one step: of two writes holding one tag, the second sees the first's change
and fails with 412. The first check also guarantees that the changes were computed on the
representation the client saw.

The audit events of a user's or a group's save or deletion are recorded by directory.audit's
receivers, in the write's transaction: a PATCH of a name and `is_active` is a `user.updated`
with the name's `[old, new]` and a `user.deactivated`; a new password is a
`user.password_changed`, never its hash. The membership statements here send no signal, so
their events are recorded here, and only when the membership changed.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit.models import Action
from audit.services import events_record
from core.conditional import Preconditions
from core.errors import Conflict, NotFound
from directory import selectors
from directory.audit import group_change
from directory.etags import group_tag, user_tag
from directory.permissions import (
    require_membership_change,
    require_password_change,
    require_perm,
    require_rank,
    require_user_change,
)
from directory.superusers import keep_an_active_superuser

USER_PROFILE_FIELDS = ("username", "email", "first_name", "last_name", "is_active")
USERNAME_TAKEN = "A user with that username already exists."
GROUP_NAME_TAKEN = "A group with that name already exists."
CURRENT_PASSWORD_WRONG = "Your current password was entered incorrectly."  # noqa: S105
CURRENT_PASSWORD_MISSING = "This field is required when changing your own password."  # noqa: S105
UNCONDITIONAL = Preconditions()


@contextmanager
def _unique(message: str, saving: User | Group | None = None) -> Iterator[None]:
    """One write's transaction, where a uniqueness race is a Conflict and, when `saving` an
    existing row, its deletion by another request meanwhile is a NotFound: Django's own
    "did not affect any rows" DatabaseError (a 500) for save(update_fields=...)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise Conflict(message) from exc
    except DatabaseError as exc:
        # The database's own errors are subclasses; the query runs after the rollback.
        if saving is None or type(exc) is not DatabaseError or _exists(saving):
            raise
        raise NotFound from exc


def _exists(instance: User | Group) -> bool:
    return type(instance).objects.filter(pk=instance.pk).exists()


def _require(preconditions: Preconditions, tag: Callable[[], str | None]) -> None:
    """`tag()` is computed only where the request has preconditions. Inside the write's
    transaction, it re-reads the row with a lock (PostgreSQL; on SQLite the IMMEDIATE
    transaction holds the write lock already)."""
    if preconditions:
        preconditions.require(tag())


def _locked_user_tag(user: User) -> Callable[[], str | None]:
    return lambda: user_tag(selectors.user_get(user_id=user.pk, for_update=True))


def _locked_group_tag(group: Group) -> Callable[[], str | None]:
    return lambda: group_tag(selectors.group_get(group_id=group.pk, for_update=True))


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def user_create(
    *,
    actor: User,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """What UserManager.create_user does, with the password hashed (~0.4 s of PBKDF2) before
    the transaction, so concurrent writers don't queue behind it on SQLite's write lock.
    `password=None` (a user provisioned over SCIM, who signs in elsewhere): an unusable
    password, as create_user(password=None) sets."""
    require_perm(actor, "auth.add_user")
    user = User(
        username=User.normalize_username(username),
        email=User.objects.normalize_email(email),
        first_name=first_name,
        last_name=last_name,
    )
    if password is None:
        user.set_unusable_password()
    else:
        _validate_password(password, user)
        user.set_password(password)
    with _unique(USERNAME_TAKEN):
        user.save(force_insert=True)
    return user


def user_update(
    *,
    actor: User,
    user: User,
    data: Mapping[str, Any],
    confirm_password: Callable[[User, str], bool] = User.check_password,
    preconditions: Preconditions = UNCONDITIONAL,
) -> User:
    """Apply `data`, the fields a PUT or PATCH sent, as `actor` may.

    Only the profile fields whose value differs are saved, and they decide the permission
    needed: none for one's own name and email, `auth.change_user` otherwise. A new `password`
    passes AUTH_PASSWORD_VALIDATORS and, when actors change their own, needs their
    `current_password` (Django's PasswordChangeForm rule), which `confirm_password` checks
    (the API's counts toward the sign-in lockout). Hashed before the transaction.
    """
    changes = {
        field: data[field]
        for field in USER_PROFILE_FIELDS
        if field in data and getattr(user, field) != data[field]
    }
    require_user_change(actor=actor, target=user, fields=changes.keys())
    password = data.get("password")
    if password is not None:
        require_password_change(actor=actor, target=user)
    _require(preconditions, lambda: user_tag(user))
    if password is not None and actor.pk == user.pk:
        _require_current_password(user, data.get("current_password"), confirm_password)
    for field, value in changes.items():
        setattr(user, field, value)
    if "email" in changes:
        user.email = User.objects.normalize_email(user.email)
    fields = list(changes)
    if password is not None:
        _validate_password(password, user)
        user.set_password(password)
        fields.append("password")
    if fields:
        with _unique(USERNAME_TAKEN, saving=user):
            if changes.get("is_active") is False:
                keep_an_active_superuser([user.pk])  # first: it locks in id order
            _require(preconditions, _locked_user_tag(user))
            user.save(update_fields=fields)
    return user


def _require_current_password(
    user: User, current: str | None, confirm_password: Callable[[User, str], bool]
) -> None:
    """A missing one is not a failed attempt: only a wrong one reaches `confirm_password`."""
    if not current:
        raise ValidationError({"current_password": [CURRENT_PASSWORD_MISSING]})
    if not confirm_password(user, current):
        raise ValidationError({"current_password": [CURRENT_PASSWORD_WRONG]})


def user_delete(*, actor: User, user: User, preconditions: Preconditions = UNCONDITIONAL) -> None:
    require_perm(actor, "auth.delete_user")
    require_rank(actor=actor, target=user)
    _require(preconditions, lambda: user_tag(user))
    with transaction.atomic():
        keep_an_active_superuser([user.pk])  # first: it locks in id order
        _require(preconditions, _locked_user_tag(user))
        user.delete()


def group_create(*, actor: User, name: str) -> Group:
    require_perm(actor, "auth.add_group")
    with _unique(GROUP_NAME_TAKEN):
        group = Group.objects.create(name=name)
    return group


def group_update(
    *,
    actor: User,
    group: Group,
    name: str | None,
    preconditions: Preconditions = UNCONDITIONAL,
) -> Group:
    """Rename `group`; `name=None` (a PATCH without it) changes nothing."""
    require_perm(actor, "auth.change_group")
    _require(preconditions, lambda: group_tag(group))
    if name is not None and name != group.name:
        with _unique(GROUP_NAME_TAKEN, saving=group):
            _require(preconditions, _locked_group_tag(group))
            group.name = name
            group.save(update_fields=["name"])
    return group


def group_delete(
    *, actor: User, group: Group, preconditions: Preconditions = UNCONDITIONAL
) -> None:
    require_perm(actor, "auth.delete_group")
    _require(preconditions, lambda: group_tag(group))
    with transaction.atomic():
        _require(preconditions, _locked_group_tag(group))
        group.delete()


def group_add_member(*, actor: User, group: Group, user: User) -> None:
    require_membership_change(actor=actor, target=user)
    with transaction.atomic():
        if _membership_insert(group, user):
            _record_membership(Action.GROUP_MEMBER_ADDED, group, [None, user.pk])


def group_remove_member(*, actor: User, group: Group, user: User) -> None:
    require_membership_change(actor=actor, target=user)
    with transaction.atomic():
        deleted, _ = User.groups.through.objects.filter(group=group, user=user).delete()
        if deleted:
            _record_membership(Action.GROUP_MEMBER_REMOVED, group, [user.pk, None])


def _membership_insert(group: Group, user: User) -> bool:
    """Adds the membership in one statement that does nothing if it exists (as concurrent adds
    may make it) and says whether it added it: RelatedManager.add() does not say. Like the
    fast path of add() that it replaces, it sends no m2m_changed (nothing listens to it)."""
    membership = User.groups.through._meta
    table = connection.ops.quote_name(membership.db_table)
    user_column = connection.ops.quote_name(membership.get_field("user").column)
    group_column = connection.ops.quote_name(membership.get_field("group").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({user_column}, {group_column}) VALUES (%s, %s) "  # noqa: S608 (quoted model names)
            "ON CONFLICT DO NOTHING",
            [user.pk, group.pk],
        )
        added: int = cursor.rowcount
        return added == 1


def _record_membership(action: str, group: Group, member: list[int | None]) -> None:
    events_record([group_change(action, group, {"member": member})])
