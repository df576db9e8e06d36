"""SCIM's writes: each one transaction around directory.services' own writes, so that a
request (a PATCH of several operations above all) is applied whole or not at all, with the
permissions, integrity rules and audit events of the REST API's writes.

Preconditions (If-Match, RFC 7644 §3.14) are checked once, at the start of the transaction,
on the row locked there: the request's operations then change the resource one after the
other, each of which would fail a second check.
"""

from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction

from audit.models import Action
from audit.services import events_record
from core.conditional import Preconditions
from core.errors import Conflict, found
from directory import selectors as directory_selectors
from directory import services
from directory.audit import group_change, user_change
from directory.etags import group_tag, user_tag
from directory.models import GroupExternalId, UserExternalId
from directory.permissions import require_perm
from directory.scim import selectors
from directory.scim.documents import GroupValues, UserValues
from directory.scim.errors import EXTERNAL_ID_TAKEN, bad_request


def _external_id_set(*, actor: User, target: User | Group, value: str | None, perm: str) -> None:
    """Sets (None: removes) the target's externalId, recorded as an update of the target."""
    model = UserExternalId if isinstance(target, User) else GroupExternalId
    old = model.objects.filter(pk=target.pk).values_list("external_id", flat=True).first()
    if old == value:
        return
    require_perm(actor, perm)
    try:
        with transaction.atomic():
            if value is None:
                model.objects.filter(pk=target.pk).delete()
            else:
                model.objects.update_or_create(pk=target.pk, defaults={"external_id": value})
    except IntegrityError as exc:
        raise Conflict(EXTERNAL_ID_TAKEN) from exc
    changes = {"external_id": [old, value]}
    if isinstance(target, User):
        events_record([user_change(Action.USER_UPDATED, target, changes)])
    else:
        events_record([group_change(Action.GROUP_UPDATED, target, changes)])


def user_create(*, actor: User, values: UserValues) -> User:
    with transaction.atomic():
        user = services.user_create(
            actor=actor,
            username=values.username,
            password=values.password,
            email=values.email,
            first_name=values.first_name,
            last_name=values.last_name,
        )
        if values.is_active is False:
            services.user_update(actor=actor, user=user, data={"is_active": False})
        if values.external_id is not None:
            _external_id_set(
                actor=actor, target=user, value=values.external_id, perm="auth.add_user"
            )
    return user


def user_update(
    *, actor: User, user_id: int, values: UserValues, preconditions: Preconditions
) -> None:
    """A PUT's or PATCH's result: every mapped attribute set to `values` (`active` left out:
    unchanged)."""
    with transaction.atomic():
        user = found(directory_selectors.user_get(user_id=user_id, for_update=True))
        preconditions.require(user_tag(user))
        data: dict[str, object] = {
            "username": User.normalize_username(values.username),
            "email": values.email,
            "first_name": values.first_name,
            "last_name": values.last_name,
        }
        if values.is_active is not None:
            data["is_active"] = values.is_active
        if values.password is not None:
            data["password"] = values.password  # validated and hashed by the service
        services.user_update(actor=actor, user=user, data=data)
        _external_id_set(
            actor=actor, target=user, value=values.external_id, perm="auth.change_user"
        )


def user_delete(*, actor: User, user_id: int, preconditions: Preconditions) -> None:
    with transaction.atomic():
        user = found(directory_selectors.user_get(user_id=user_id, for_update=True))
        services.user_delete(actor=actor, user=user, preconditions=preconditions)


def _members_set(*, actor: User, group: Group, before: list[int], after: list[int]) -> None:
    missing = set(after) - selectors.existing_user_ids(set(after))
    if missing:
        raise bad_request(f"members: no user with id {min(missing)}.")
    wanted = set(after)
    for user_id in sorted(set(before) - wanted):
        user = directory_selectors.user_get(user_id=user_id)
        if user is not None:
            services.group_remove_member(actor=actor, group=group, user=user)
    for user_id in after:
        if user_id not in before:
            user = directory_selectors.user_get(user_id=user_id)
            if user is not None:
                services.group_add_member(actor=actor, group=group, user=user)


def group_create(*, actor: User, values: GroupValues) -> Group:
    with transaction.atomic():
        group = services.group_create(actor=actor, name=values.name)
        if values.external_id is not None:
            _external_id_set(
                actor=actor, target=group, value=values.external_id, perm="auth.add_group"
            )
        _members_set(actor=actor, group=group, before=[], after=values.member_ids)
    return group


def group_update(
    *,
    actor: User,
    group_id: int,
    values: GroupValues,
    before: list[int] | None,
    preconditions: Preconditions,
) -> None:
    """`before`: the member ids the values were computed from (None: read them here)."""
    with transaction.atomic():
        group = found(directory_selectors.group_get(group_id=group_id, for_update=True))
        preconditions.require(group_tag(group))
        services.group_update(actor=actor, group=group, name=values.name)
        _external_id_set(
            actor=actor, target=group, value=values.external_id, perm="auth.change_group"
        )
        current = selectors.member_ids(group) if before is None else before
        _members_set(actor=actor, group=group, before=current, after=values.member_ids)


def group_delete(*, actor: User, group_id: int, preconditions: Preconditions) -> None:
    with transaction.atomic():
        group = found(directory_selectors.group_get(group_id=group_id, for_update=True))
        services.group_delete(actor=actor, group=group, preconditions=preconditions)
