"""When the browser session signed in, as OpenID Connect's `auth_time` and `max_age` need it
(Core §3.1.2.1): stored in the session at each sign-in, because the user's `last_login` is
shared by all their sessions."""

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone

SESSION_KEY = "identity_auth_time"


def sign_in_time_record(
    sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any
) -> None:
    """`user_logged_in` receiver: the time, in whole seconds as `auth_time` is."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = int(timezone.now().timestamp())


def session_auth_time(request: HttpRequest) -> datetime | None:
    """The time the session signed in; None for a session from before this was recorded."""
    value = request.session.get(SESSION_KEY)
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None
