"""Writes. Each runs in one transaction; uniqueness races surface as Conflict, not a 500."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from directory.exceptions import Conflict

USER_PROFILE_FIELDS = ("username", "email", "first_name", "last_name", "is_active")
USERNAME_TAKEN = "A user with that username already exists."
GROUP_NAME_TAKEN = "A group with that name already exists."


@contextmanager
def _unique(message: str) -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise Conflict(message) from exc


def _validate_password(password: str, user: User, *, field: str = "password") -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def user_create(
    *, username: str, password: str, email: str = "", first_name: str = "", last_name: str = ""
) -> User:
    """What UserManager.create_user does, with the password hashed (~0.4 s of PBKDF2) before
    the transaction, so concurrent writers don't queue behind it on SQLite's write lock."""
    user = User(
        username=User.normalize_username(username),
        email=User.objects.normalize_email(email),
        first_name=first_name,
        last_name=last_name,
    )
    _validate_password(password, user)
    user.set_password(password)
    with _unique(USERNAME_TAKEN):
        user.save(force_insert=True)
    return user


def user_changed_fields(*, user: User, data: dict[str, Any]) -> set[str]:
    return {
        field
        for field in USER_PROFILE_FIELDS
        if field in data and getattr(user, field) != data[field]
    }


def user_update(
    *,
    user: User,
    data: dict[str, Any],
    password: str | None = None,
    current_password: str | None = None,
    check_current_password: bool = False,
) -> User:
    """Apply profile `data` and, when given, a new password (validated by Django's
    AUTH_PASSWORD_VALIDATORS; the current password is required when `check_current_password`)."""
    fields = sorted(user_changed_fields(user=user, data=data))
    for field in fields:
        setattr(user, field, data[field])
    if "email" in fields:
        user.email = User.objects.normalize_email(user.email)
    if password is not None:
        if check_current_password and not (
            current_password and user.check_password(current_password)
        ):
            raise ValidationError(
                {"current_password": ["Your current password was entered incorrectly."]}
            )
        _validate_password(password, user)
        user.set_password(password)
        fields.append("password")
    if fields:
        with _unique(USERNAME_TAKEN):
            user.save(update_fields=fields)
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    user.delete()


def group_create(*, name: str) -> Group:
    with _unique(GROUP_NAME_TAKEN):
        return Group.objects.create(name=name)


def group_update(*, group: Group, name: str) -> Group:
    if name != group.name:
        group.name = name
        with _unique(GROUP_NAME_TAKEN):
            group.save(update_fields=["name"])
    return group


@transaction.atomic
def group_delete(*, group: Group) -> None:
    group.delete()


@transaction.atomic
def group_add_member(*, group: Group, user: User) -> None:
    # RelatedManager.add() inserts with ignore_conflicts, so concurrent adds don't collide.
    group.user_set.add(user)


@transaction.atomic
def group_remove_member(*, group: Group, user: User) -> None:
    group.user_set.remove(user)
