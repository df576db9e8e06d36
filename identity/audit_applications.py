"""Audit events of OAuth2 applications (clients): created, updated, deleted.

The receivers sit beneath every path that writes an application: DOT's application pages, the
admin, DOT's `createapplication`, `bootstrap`, a shell. As identity.revocation does for users,
each instance remembers the values it was loaded or last saved with (post_init, post_save), so
an update's `{field: [old, new]}` costs no query. `client_secret` appears only as "changed":
never the secret, nor its hash. The actor is the request's (the signed-in user) or none
(`manage.py` commands).

Each event joins the transaction of its write; every path here has one (the views through
identity.urls, the admin, the commands). A save outside any transaction (a shell) has committed
when post_save runs: its event then commits right after it, on its own. Deleting an application
deletes its tokens, which record no event of their own.
"""

from typing import Any

from django.db import router, transaction
from django.db.models import DEFERRED, Model
from django.db.models.signals import post_delete, post_init, post_save
from oauth2_provider.models import get_application_model

from audit.models import Action
from audit.services import Change, events_record

NOT_RECORDED = frozenset({"id", "created", "updated"})  # the identity and the timestamps
SECRET = "client_secret"  # noqa: S105 (a field name)
_SAVED = "_audit_saved"  # the values the database holds, as far as this instance knows


def _values(instance: Model) -> dict[str, Any]:
    """By field name (`user`, not `user_id`), the value as stored (the user's id)."""
    return {
        field.name: instance.__dict__.get(field.attname, DEFERRED)
        for field in instance._meta.concrete_fields
        if field.name not in NOT_RECORDED
    }


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def application_changes(
    saved: dict[str, Any], current: dict[str, Any], update_fields: frozenset[str] | None
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, new in current.items():
        old = saved.get(name, DEFERRED)
        if update_fields is not None and name not in update_fields:
            continue
        if DEFERRED in (old, new) or old == new:
            continue
        changes[name] = "changed" if name == SECRET else [_json(old), _json(new)]
    return changes


def _record(sender: type[Model], change: Change) -> None:
    with transaction.atomic(using=router.db_for_write(sender)):
        events_record([change])


def _change(action: str, instance: Any, changes: dict[str, Any] | None = None) -> Change:
    return Change(action, "application", instance.pk, instance.name, changes or {})


def application_loaded(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    instance.__dict__[_SAVED] = _values(instance)


def application_saved(
    sender: type[Model],
    instance: Model,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    current = _values(instance)
    if created:
        _record(sender, _change(Action.APPLICATION_CREATED, instance))
    else:
        saved = instance.__dict__.get(_SAVED, {})
        changes = application_changes(saved, current, update_fields)
        if changes:
            _record(sender, _change(Action.APPLICATION_UPDATED, instance, changes))
    instance.__dict__[_SAVED] = {**instance.__dict__.get(_SAVED, {}), **current}


def application_deleted(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    _record(sender, _change(Action.APPLICATION_DELETED, instance))


def connect() -> None:
    model = get_application_model()
    uid = "audit-application"
    post_init.connect(application_loaded, sender=model, dispatch_uid=uid)
    post_save.connect(application_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(application_deleted, sender=model, dispatch_uid=uid)
