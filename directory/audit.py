"""One audit event per change of a user, a group or a membership, whichever path made it: the
API's services, the admin's forms and actions, the password pages, `manage.py` commands and
plain ORM calls in a shell. Receivers of Django's model signals, as identity.revocation's are.

- post_init remembers the audited fields of each User and Group as loaded (a tuple, no query);
  post_save compares the fields the save wrote and records `user.created`, `user.updated`
  `{field: [old, new]}`, `user.activated`/`user.deactivated`, `user.password_changed`
  (`{"password": "changed"}`: never a hash), `group.created`, `group.updated`; post_delete
  records `user.deleted` and `group.deleted`. `last_login` and `date_joined` are not audited.
- m2m_changed records memberships from either side (`group.member_added`/`_removed`, target
  the group, `{"member": [None, user_id]}` or `[user_id, None]`), and changes of a user's or a
  group's permissions as `user.updated`/`group.updated` `{"user_permissions"|"permissions":
  [old, new]}` with sorted labels ("auth.add_user").

A save that writes no audited field, and Django's hash upgrade at sign-in (set by
check_password(), not a new password), record nothing. A field deferred at load, or an unsaved
instance whose save updates an existing row, is read from the row before the save (one query).

Events are recorded in the transaction of the change (audit.services). Every path this project
provides opens one. A caller in autocommit (a shell) has its row committed by the statement
itself; the event is then recorded in a transaction of its own just after, so a crash between
the two leaves a change without its event, never an event without its change.

Not covered: `QuerySet.update()`, `bulk_create()`, raw SQL (no signals): directory.services
records the membership statements it writes itself.
"""

from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_save

from audit.models import Action
from audit.services import Change, events_record

# Recorded as `user.updated`; `is_active` and `password` have actions of their own.
USER_UPDATED_FIELDS = ("username", "email", "first_name", "last_name", "is_staff", "is_superuser")
USER_FIELDS = (*USER_UPDATED_FIELDS, "is_active", "password")
GROUP_FIELDS = ("name",)
_LOADED = "_audit_loaded"  # the audited values as the row holds them, as far as we know
_LEAVING = "_audit_leaving"  # memberships a remove() or clear() is about to delete
_BEFORE = "_audit_permissions_before"  # permission labels before an add/remove/clear


def user_change(action: str, user: User, changes: dict[str, Any] | None = None) -> Change:
    return Change(action, "user", user.pk, user.username, changes or {})


def group_change(action: str, group: Group, changes: dict[str, Any] | None = None) -> Change:
    return Change(action, "group", group.pk, group.name, changes or {})


def membership_change(action: str, group_id: int, group_name: str, member: list[Any]) -> Change:
    return Change(action, "group", group_id, group_name, {"member": member})


def _record(changes: list[Change]) -> None:
    if not changes:
        return
    if transaction.get_connection().in_atomic_block:
        events_record(changes)
    else:
        with transaction.atomic():
            events_record(changes)


def _fields(model: type[models.Model]) -> tuple[str, ...]:
    return USER_FIELDS if issubclass(model, User) else GROUP_FIELDS


# The fields' values from an instance's __dict__, as a tuple.
_user_values: Callable[[dict[str, Any]], tuple[Any, ...]] = itemgetter(*USER_FIELDS)


def _remember(instance: models.Model, fields: Iterable[str]) -> None:
    state = instance.__dict__
    # A new dict, not an update: copy.copy() of an instance shares the old one.
    state[_LOADED] = {**_loaded(instance), **{f: state[f] for f in fields if f in state}}


def _loaded(instance: models.Model) -> dict[str, Any]:
    loaded = instance.__dict__.get(_LOADED)
    if isinstance(loaded, tuple):
        fields = _fields(type(instance))
        return dict(zip(fields, loaded, strict=True))
    return loaded or {}


def user_loaded(sender: type[User], instance: User, **kwargs: Any) -> None:
    # The hot path (every instance loaded): one tuple built in C, no dict, no query.
    state = instance.__dict__
    try:
        state[_LOADED] = _user_values(state)
    except KeyError:  # a field deferred by only()/defer()
        _remember(instance, USER_FIELDS)


def group_loaded(sender: type[Group], instance: Group, **kwargs: Any) -> None:
    state = instance.__dict__
    try:
        state[_LOADED] = (state["name"],)
    except KeyError:
        _remember(instance, GROUP_FIELDS)


def instance_saving(
    sender: type[models.Model],
    instance: models.Model,
    update_fields: frozenset[str] | None,
    using: str,
    **kwargs: Any,
) -> None:
    """Reads the row where what it holds is unknown: an unsaved instance with a primary key
    (its save may update an existing row), or a field deferred at load that this save writes."""
    fields = _fields(sender)
    loaded = _loaded(instance)
    if instance._state.adding:
        if instance.pk is None:
            return
        unknown = list(fields)
    else:
        writes = fields if update_fields is None else [f for f in fields if f in update_fields]
        unknown = [field for field in writes if field not in loaded]
    if unknown:
        row = sender._base_manager.using(using).filter(pk=instance.pk).values(*unknown).first()
        if row is not None:
            instance.__dict__[_LOADED] = {**loaded, **row}


def user_saved(
    sender: type[User],
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    written = (
        USER_FIELDS if update_fields is None else [f for f in USER_FIELDS if f in update_fields]
    )
    changes = (
        [user_change(Action.USER_CREATED, instance)]
        if created
        else _user_changes(instance, _loaded(instance), written, update_fields)
    )
    _remember(instance, written)
    _record(changes)


def _user_changes(
    user: User, loaded: dict[str, Any], written: Iterable[str], update_fields: frozenset[str] | None
) -> list[Change]:
    old = {field: loaded[field] for field in written if loaded.get(field) != getattr(user, field)}
    updated = {
        field: [old[field], getattr(user, field)] for field in USER_UPDATED_FIELDS if field in old
    }
    changes = [user_change(Action.USER_UPDATED, user, updated)] if updated else []
    if "is_active" in old:
        action = Action.USER_ACTIVATED if user.is_active else Action.USER_DEACTIVATED
        changes.append(user_change(action, user, {"is_active": [old["is_active"], user.is_active]}))
    if "password" in old and not _rehashed(user, old["password"], update_fields):
        changes.append(user_change(Action.USER_PASSWORD_CHANGED, user, {"password": "changed"}))
    return changes


def _rehashed(user: User, old_hash: str | None, update_fields: frozenset[str] | None) -> bool:
    """Django's hash upgrade in check_password(): the same password under a new hasher or work
    factor, saved alone without the raw password that set_password() keeps until the save."""
    return (
        update_fields == frozenset({"password"})
        and user._password is None  # type: ignore[attr-defined]
        and is_password_usable(old_hash)
        and is_password_usable(user.password)
    )


def group_saved(
    sender: type[Group],
    instance: Group,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    if created:
        changes = [group_change(Action.GROUP_CREATED, instance)]
    elif (update_fields is None or "name" in update_fields) and (
        old := _loaded(instance).get("name")
    ) != instance.name:
        changes = [group_change(Action.GROUP_UPDATED, instance, {"name": [old, instance.name]})]
    else:
        changes = []
    _remember(instance, GROUP_FIELDS)
    _record(changes)


def user_deleted(sender: type[User], instance: User, **kwargs: Any) -> None:
    _record([user_change(Action.USER_DELETED, instance)])


def group_deleted(sender: type[Group], instance: Group, **kwargs: Any) -> None:
    _record([group_change(Action.GROUP_DELETED, instance)])


Membership = User.groups.through


def memberships_changed(
    sender: type[models.Model],
    instance: User | Group,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """`reverse` is False for user.groups, True for group.user_set. remove() signals the ids
    it was given, members or not: the memberships it deletes are read first."""
    if action in ("pre_remove", "pre_clear"):
        instance.__dict__[_LEAVING] = _memberships(instance, reverse, pk_set)
    elif action in ("post_remove", "post_clear"):
        leaving = instance.__dict__.pop(_LEAVING, [])
        _record(
            [
                membership_change(Action.GROUP_MEMBER_REMOVED, group_id, name, [user_id, None])
                for group_id, name, user_id in leaving
            ]
        )
    elif action == "post_add" and pk_set:  # add() signals only the memberships it inserts
        if isinstance(instance, Group):  # reverse: group.user_set
            group = instance
            joined = [(group.pk, group.name, user_id) for user_id in sorted(pk_set)]
        else:
            groups = Group.objects.filter(pk__in=pk_set).order_by("pk").values_list("pk", "name")
            joined = [(group_id, name, instance.pk) for group_id, name in groups]
        _record(
            [
                membership_change(Action.GROUP_MEMBER_ADDED, group_id, name, [None, user_id])
                for group_id, name, user_id in joined
            ]
        )


def _memberships(
    instance: User | Group, reverse: bool, pk_set: set[int] | None
) -> list[tuple[int, str, int]]:
    side, other = ("group_id", "user_id") if reverse else ("user_id", "group_id")
    rows = Membership.objects.filter(**{side: instance.pk})
    if pk_set is not None:
        rows = rows.filter(**{f"{other}__in": pk_set})
    return list(
        rows.order_by("group_id", "user_id").values_list("group_id", "group__name", "user_id")
    )


def _permissions_changed(
    owner_model: type[User | Group],
    owner_field: str,
    action: str,
    field: str,
    sender: type[models.Model],
    instance: models.Model,
    reverse: bool,
    pk_set: set[int] | None,
) -> None:
    """The permission labels of each owner (user or group) touched, before and after."""
    if action.startswith("pre_"):
        if pk_set is not None and not pk_set:
            return
        if reverse:  # permission.user_set / permission.group_set
            owners = (
                list(pk_set) if pk_set is not None else _owners_of(sender, owner_field, instance)
            )
        else:
            owners = [instance.pk]
        instance.__dict__[_BEFORE] = (owners, _labels(sender, owner_field, owners))
        return
    pending = instance.__dict__.pop(_BEFORE, None)
    if pending is None:
        return
    owners, before = pending
    after = _labels(sender, owner_field, owners)
    touched = [pk for pk in sorted(owners) if before.get(pk, []) != after.get(pk, [])]
    if not touched:
        return
    names = (
        {instance.pk: _label_of(instance)}
        if not reverse
        else dict(
            owner_model._base_manager.filter(pk__in=touched).values_list("pk", _name(owner_model))
        )
    )
    target_type = "user" if owner_model is User else "group"
    updated = Action.USER_UPDATED if owner_model is User else Action.GROUP_UPDATED
    _record(
        [
            Change(
                updated,
                target_type,
                pk,
                names.get(pk, ""),
                {field: [before.get(pk, []), after.get(pk, [])]},
            )
            for pk in touched
        ]
    )


def _name(model: type[models.Model]) -> str:
    return "username" if issubclass(model, User) else "name"


def _label_of(instance: models.Model) -> str:
    return str(getattr(instance, _name(type(instance))))


def _owners_of(
    through: type[models.Model], owner_field: str, permission: models.Model
) -> list[int]:
    rows = through._default_manager.filter(permission_id=permission.pk)
    return list(rows.values_list(f"{owner_field}_id", flat=True))


def _labels(
    through: type[models.Model], owner_field: str, owners: list[int]
) -> dict[int, list[str]]:
    rows = through._default_manager.filter(**{f"{owner_field}_id__in": owners}).values_list(
        f"{owner_field}_id", "permission__content_type__app_label", "permission__codename"
    )
    labels: dict[int, list[str]] = {}
    for owner, app_label, codename in rows:
        labels.setdefault(owner, []).append(f"{app_label}.{codename}")
    return {owner: sorted(found) for owner, found in labels.items()}


def user_permissions_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    _permissions_changed(
        User, "user", action, "user_permissions", sender, instance, reverse, pk_set
    )


def group_permissions_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    _permissions_changed(Group, "group", action, "permissions", sender, instance, reverse, pk_set)


def connect() -> None:
    """For User, Group and any model derived from them (a proxy's saves name it as sender)."""
    from django.apps import apps

    for model in apps.get_models():
        if not issubclass(model, (User, Group)):
            continue
        uid = f"audit-{model._meta.label}"
        is_user = issubclass(model, User)
        loaded = user_loaded if is_user else group_loaded
        saved = user_saved if is_user else group_saved
        deleted = user_deleted if is_user else group_deleted
        post_init.connect(loaded, sender=model, dispatch_uid=uid)
        pre_save.connect(instance_saving, sender=model, dispatch_uid=uid)
        post_save.connect(saved, sender=model, dispatch_uid=uid)
        post_delete.connect(deleted, sender=model, dispatch_uid=uid)
    m2m_changed.connect(memberships_changed, sender=Membership, dispatch_uid="audit-memberships")
    m2m_changed.connect(
        user_permissions_changed,
        sender=User.user_permissions.through,
        dispatch_uid="audit-user-perms",
    )
    m2m_changed.connect(
        group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="audit-group-perms",
    )
