"""A password change or a change of `is_active` revokes every OAuth2 credential of the user
(RFC 9700 §4.14.2: authorization servers may "revoke refresh tokens automatically in case of a
security event, such as: password change").

The receivers sit beneath every path that saves a user (the API's services, the admin's forms,
`manage.py changepassword`, `set_password()` and `save()` in a shell), so none can forget them.
Each User instance remembers the `password` and `is_active` it was loaded or last saved with
(post_init, post_save), and pre_save compares: detecting a change costs no query. A change
counts when the save writes the field (`update_fields` is None or names it) and the value
differs: `set_password()`, `set_unusable_password()`, a hash assigned to `password`, and the
hash upgrade Django makes at a login after its hasher parameters changed (which ends the
user's other sessions too). It errs toward revoking: a field deferred at load and present at
save counts as changed, and so does one that refresh_from_db() reloaded with a new value (the
instance compares with what it was loaded with); an unsaved instance whose save turns out to
update an existing row revokes.

Revocation runs in pre_save, inside the transaction of the save when there is one: each of
this project's password pages, commands and services opens one. A caller without one (Django's
rehash at login, a shell) gets the revocation committed first: if the write then fails, the
tokens are gone and the password is unchanged, never the reverse.

Not covered: `QuerySet.update()` and raw SQL, which send no signals. Browser sessions do not
need this: Django compares the session's hash with the stored password hash, and checks
`is_active`, on every request, however they were written. Tokens of a user deactivated that
way are refused while the user is inactive (identity.auth, identity.validators), and the save
that activates the user again revokes them.
"""

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import router, transaction
from django.db.models import DEFERRED
from django.db.models.signals import post_init, post_save, pre_save
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_device_grant_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

WATCHED = ("password", "is_active")
_SAVED = "_revocation_saved"  # the WATCHED values the database holds, as far as we know
_UNKNOWN_ROW = "_revocation_unknown_row"  # an unsaved instance is being saved


def tokens_revoke_for_user(*, user: User) -> None:
    """Revoke everything DOT holds for `user`, in a fixed handful of statements.

    What DOT's own revocation does, in bulk (RefreshToken.revoke_family): refresh tokens are
    marked revoked and kept, as reuse protection needs, until `cleartokens` deletes them; a
    refresh with one answers 400 invalid_grant. Access tokens, ID tokens, authorization codes
    and device grants not yet exchanged are deleted. Refresh tokens first, then access tokens:
    the order DOT's rotation locks them in.
    """
    refresh_token_model = get_refresh_token_model()
    now = timezone.now()
    with transaction.atomic(using=router.db_for_write(refresh_token_model), savepoint=False):
        # `updated` is auto_now, which a queryset update does not set.
        refresh_token_model.objects.filter(user=user, revoked__isnull=True).update(
            revoked=now, updated=now
        )
        get_access_token_model().objects.filter(user=user).delete()
        get_id_token_model().objects.filter(user=user).delete()
        get_grant_model().objects.filter(user=user).delete()
        get_device_grant_model().objects.filter(user=user).delete()


def _remember(instance: User, fields: Iterable[str] = WATCHED) -> None:
    # A new dict, not an update: copy.copy() of a user shares the old one.
    loaded = {field: instance.__dict__.get(field, DEFERRED) for field in fields}
    instance.__dict__[_SAVED] = {**instance.__dict__.get(_SAVED, {}), **loaded}


def _changed(instance: User, update_fields: frozenset[str] | None) -> bool:
    saved = instance.__dict__.get(_SAVED, {})  # absent only if built without __init__
    return any(
        (update_fields is None or field in update_fields)
        and instance.__dict__.get(field, DEFERRED) != saved.get(field, DEFERRED)
        for field in WATCHED
    )


def user_loaded(sender: type[User], instance: User, **kwargs: Any) -> None:
    _remember(instance)


def user_saving(
    sender: type[User], instance: User, update_fields: frozenset[str] | None, **kwargs: Any
) -> None:
    if instance._state.adding:
        # A new user has no tokens, but saving an unsaved instance may update an existing row:
        # user_saved decides, once Django knows which it did.
        instance.__dict__[_UNKNOWN_ROW] = True
    elif _changed(instance, update_fields):
        tokens_revoke_for_user(user=instance)


def user_saved(
    sender: type[User],
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    if instance.__dict__.pop(_UNKNOWN_ROW, False) and not created:
        tokens_revoke_for_user(user=instance)
    _remember(instance, WATCHED if update_fields is None else update_fields & set(WATCHED))


def connect() -> None:
    """Connect the receivers for User and any model derived from it: a proxy's or a child's
    saves name that model as their sender."""
    for model in apps.get_models():
        if issubclass(model, User):
            uid = f"revocation-{model._meta.label}"
            post_init.connect(user_loaded, sender=model, dispatch_uid=uid)
            pre_save.connect(user_saving, sender=model, dispatch_uid=uid)
            post_save.connect(user_saved, sender=model, dispatch_uid=uid)
