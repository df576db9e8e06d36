"""The actor of a browser session's changes: the admin site, the sign-in and application pages."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import Actor, set_actor
from identity.throttle import client_ip


class SessionActor:
    """Makes the session's signed-in user the actor of the events the request records, looked
    up only when one is recorded. Placed after AuthenticationMiddleware; an API request's bearer
    token replaces it (identity.auth)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        set_actor(lambda: session_actor(request))
        return self.get_response(request)


def session_actor(request: HttpRequest) -> Actor | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return Actor(
        user_id=user.pk,
        username=user.get_username(),
        client_id=None,
        scopes="",
        ip=client_ip(request),
    )
