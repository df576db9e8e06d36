"""DOT's endpoints that authenticate a client or a user, behind the brute-force throttle
(identity/throttle.py)."""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.views import IntrospectTokenView, RevokeTokenView, TokenView

from identity.throttle import client_credentials, lockout_response, token_request_client_id


class ClientThrottleMixin:
    """Answers 429 while the username from the caller's address, the client or the address
    itself is locked out, and counts a failed client authentication (RFC 6749 §2.3.1) against
    the client.

    Failed passwords are counted by axes itself: DOT's password grant calls Django's
    authenticate() with a copy of the request, and axes listens to user_login_failed.
    """

    client_failure_statuses: tuple[int, ...] = (401,)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            username = request.POST.get("username")
        except RequestDataTooBig:
            return body_too_large()
        client_id = token_request_client_id(request)
        if has_nul(request, client_id):
            return invalid_request("NUL characters are not allowed.")
        keys = [{"username": username} if username else {}]
        if client_id is not None:
            keys.append(client_credentials(client_id))
        if is_locked(request, keys):
            return lockout_response(request)
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if response.status_code in self.client_failure_statuses and client_id is not None:
            AxesProxyHandler.user_login_failed(
                sender=type(self), credentials=client_credentials(client_id), request=request
            )
        # The failure that reaches the limit is answered 429 already, as axes does for the admin.
        if 400 <= response.status_code < 500 and is_locked(request, keys):
            return lockout_response(request)
        return response


def is_locked(request: HttpRequest, keys: list[dict[str, str]]) -> bool:
    return any(AxesProxyHandler.is_locked(request, credentials) for credentials in keys)


def has_nul(request: HttpRequest, client_id: str | None) -> bool:
    """PostgreSQL refuses NUL in text: a lookup with one would be a 500, not a failed login."""
    values = [client_id or ""]
    for data in (request.GET, request.POST):
        values += [key for key in data] + [v for key in data for v in data.getlist(key)]
    return any("\x00" in value for value in values)


def invalid_request(description: str, status: int = 400) -> HttpResponse:
    """RFC 6749 §5.2 error body, with the `detail` every other answer of the service has."""
    return JsonResponse(
        {"error": "invalid_request", "error_description": description, "detail": description},
        status=status,
    )


def body_too_large() -> HttpResponse:
    return invalid_request("Request body too large.", status=413)


# Overriding dispatch drops the parents' csrf_exempt: these endpoints take client credentials,
# not cookies (RFC 6749 §3.2), so they are exempt again.
@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(
    sensitive_post_parameters("password", "client_secret", "refresh_token", "code"), name="post"
)
class ThrottledTokenView(ClientThrottleMixin, TokenView):  # type: ignore[misc]
    pass


@method_decorator(csrf_exempt, name="dispatch")
class ThrottledRevokeTokenView(ClientThrottleMixin, RevokeTokenView):  # type: ignore[misc]
    pass


@method_decorator(csrf_exempt, name="dispatch")
class ThrottledIntrospectTokenView(ClientThrottleMixin, IntrospectTokenView):  # type: ignore[misc]
    # DOT answers a failed client authentication here with a bare 403.
    client_failure_statuses = (401, 403)
