"""DOT's token endpoint behind the brute-force throttle (identity/throttle.py)."""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.views import TokenView

from identity.throttle import client_credentials, lockout_response, token_request_client_id


@method_decorator(
    sensitive_post_parameters("password", "client_secret", "refresh_token", "code"), name="post"
)
class ThrottledTokenView(TokenView):  # type: ignore[misc]
    """Answers 429 while the username, the client or the caller's address is locked out;
    counts failed client authentication (401 invalid_client) against the client.

    Failed passwords are counted by axes itself: DOT's password grant calls Django's
    authenticate() with a copy of the request, and axes listens to user_login_failed.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            username = request.POST.get("username")
        except RequestDataTooBig:
            return body_too_large()
        client_id = token_request_client_id(request)
        keys = [{"username": username} if username else {}]
        if client_id is not None:
            keys.append(client_credentials(client_id))
        if is_locked(request, keys):
            return lockout_response(request)
        response: HttpResponse = super().post(request, *args, **kwargs)
        if response.status_code == 401 and client_id is not None:
            AxesProxyHandler.user_login_failed(
                sender=type(self), credentials=client_credentials(client_id), request=request
            )
        # The failure that reaches the limit is answered 429 already, as axes does for the admin.
        if response.status_code in (400, 401) and is_locked(request, keys):
            return lockout_response(request)
        return response


def is_locked(request: HttpRequest, keys: list[dict[str, str]]) -> bool:
    return any(AxesProxyHandler.is_locked(request, credentials) for credentials in keys)


def body_too_large() -> HttpResponse:
    description = "Request body too large."
    return JsonResponse(
        {"error": "invalid_request", "error_description": description, "detail": description},
        status=413,
    )
