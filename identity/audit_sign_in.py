"""Audit events of password sign-ins: the admin login, the sign-in page, the password grant.

One event per attempt:
- sign_in.succeeded: Django's `user_logged_in` (the admin and the sign-in page); the password
  grant records it with its token.issued instead (identity.validators), as it logs nobody in.
- sign_in.failed: a failure axes counts (identity.throttle.ThrottleHandler), in the transaction
  of that count; the current password of a password change counts too (identity.reauthentication).
- sign_in.locked_out instead of sign_in.failed when the attempt ends locked out: the failure
  that reaches the limit, and each attempt refused during the lockout.
The target is the user the typed username names (no id when it names none), labelled with the
username as typed; a failed attempt has no actor.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest

from audit.context import Actor, acting
from audit.models import Action
from audit.services import Change, events_record
from identity.addresses import client_ip
from identity.usernames import users_named

LABEL_LENGTH = 150  # User.username's: longer names can name nobody


def sign_in_change(action: str, typed: str, user_id: int | None) -> Change:
    return Change(action, "user", "" if user_id is None else user_id, typed[:LABEL_LENGTH])


def user_id_named(typed: str) -> int | None:
    if not typed or len(typed) > LABEL_LENGTH or "\x00" in typed:
        return None
    pk: int | None = users_named(typed).values_list("pk", flat=True).first()
    return pk


def nobody(ip: str | None, client_id: str | None = None) -> Actor:
    """No actor, but the caller's address (and the client of a password grant)."""
    return Actor(user_id=None, username="", client_id=client_id, scopes="", ip=ip)


def user_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """`user_logged_in` receiver; a session's sign-in commits nothing else to join."""
    typed = (request.POST.get("username") if request is not None else None) or user.username
    ip = client_ip(request) if request is not None else None
    actor = Actor(user_id=user.pk, username=user.username, client_id=None, scopes="", ip=ip)
    with acting(actor), transaction.atomic():
        events_record([sign_in_change(Action.SIGN_IN_SUCCEEDED, typed, user.pk)])


def sign_in_failure_record(request: HttpRequest, credentials: dict[str, Any]) -> None:
    """A failed attempt, or a locked-out one, once axes has counted it. Must run inside the
    count's transaction."""
    typed = credentials.get("username")
    typed = typed if isinstance(typed, str) else ""
    locked = bool(getattr(request, "axes_locked_out", False))
    action = Action.SIGN_IN_LOCKED_OUT if locked else Action.SIGN_IN_FAILED
    actor = nobody(client_ip(request), getattr(request, "oauth2_client_id", None))
    with acting(actor):
        events_record([sign_in_change(action, typed, user_id_named(typed))])


def sign_in_refused_record(request: HttpRequest, typed: str) -> None:
    """A password grant refused during a lockout, before anything checks it: the client is not
    authenticated yet, so the event names none."""
    with acting(nobody(client_ip(request))), transaction.atomic():
        events_record([sign_in_change(Action.SIGN_IN_LOCKED_OUT, typed, user_id_named(typed))])
