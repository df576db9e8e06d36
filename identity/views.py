"""DOT's endpoints that authenticate a client or a user, behind the brute-force throttle
(identity/throttle.py)."""

import json
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.models import AbstractApplication
from oauth2_provider.views import IntrospectTokenView, RevokeTokenView, TokenView
from oauth2_provider.www_authenticate import build_bearer_challenge, challenge_status
from oauthlib.common import Request as OAuthlibRequest

from identity.audit_sign_in import sign_in_refused_record
from identity.throttle import client_credentials, lockout_response, token_request_client_id

# The scope a bearer token needs at /o/introspect/ (DOT's IntrospectTokenView.required_scopes).
INTROSPECTION_SCOPE = "introspection"
CLIENT_REALM = "oauth2"


class ClientThrottleMixin:
    """Answers 429 while the username from the caller's address, the client or the address
    itself is locked out, and counts a failed client authentication (RFC 6749 §2.3.1, a 401)
    against the client.

    Failed passwords are counted by axes itself: DOT's password grant calls Django's
    authenticate() with a copy of the request, and axes listens to user_login_failed.
    """

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
            if username and request.POST.get("grant_type") == "password":
                sign_in_refused_record(request, username)
            return lockout_response(request)
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if response.status_code == 401 and client_id is not None:
            AxesProxyHandler.user_login_failed(
                sender=type(self), credentials=client_credentials(client_id), request=request
            )
        # The failure that reaches the limit is answered 429 already, as axes does for the admin.
        if 400 <= response.status_code < 500 and is_locked(request, keys):
            return lockout_response(request)
        return oauth2_error(response) if 400 <= response.status_code < 500 else response


# What an RFC 6749 §5.2 error code means, for the `detail` of an error oauthlib left without
# an `error_description`.
ERROR_DETAILS = {
    "invalid_request": "The request is missing a parameter or is malformed.",
    "invalid_client": "Client authentication failed.",
    "invalid_grant": "The grant or refresh token is invalid, expired or revoked.",
    "unauthorized_client": "This client may not use this grant type.",
    "unsupported_grant_type": "The grant type is not supported.",
    "invalid_scope": "The requested scope is invalid or exceeds the grant.",
    "invalid_target": "The requested resource is invalid.",
    "unsupported_token_type": "The token type is not supported.",
}


def oauth2_error(response: HttpResponse) -> HttpResponse:
    """DOT's error answers as RFC 6749 §5.2 has them and as the rest of the service answers:
    `application/json` (DOT leaves some, e.g. RFC 8707's `invalid_target`, as text/html),
    `no-store`, a `detail`, and for `invalid_client` the Basic challenge of the scheme clients
    authenticate with (oauthlib sends a Bearer one)."""
    if not response.content.startswith(b"{"):
        return response
    try:
        body = json.loads(response.content)
    except ValueError:
        return response
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return response
    body.setdefault("detail", body.get("error_description") or ERROR_DETAILS.get(body["error"]))
    response.content = json.dumps(body).encode()
    response["Content-Type"] = "application/json"
    response["Cache-Control"] = "no-store"
    if response.status_code == 401 and body["error"] == "invalid_client":
        response["WWW-Authenticate"] = f'Basic realm="{CLIENT_REALM}"'
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
@method_decorator(sensitive_post_parameters("token", "client_secret"), name="post")
class ThrottledRevokeTokenView(ClientThrottleMixin, RevokeTokenView):  # type: ignore[misc]
    pass


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("token", "client_secret"), name="post")
class ThrottledIntrospectTokenView(ClientThrottleMixin, IntrospectTokenView):  # type: ignore[misc]
    """RFC 7662: POST only, the token in the body (§2.1), so that it never lands in a URL and
    the access logs; the caller authenticates as a client (HTTP Basic or the form fields) or
    with a bearer token that has the `introspection` scope (DOT's own alternative)."""

    http_method_names = ["post"]
    required_scopes = [INTROSPECTION_SCOPE]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return post_only()
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response

    def authenticate_client(self, request: HttpRequest) -> bool:
        """RFC 7662 §2.1 and §4: only a confidential client authenticates here. DOT accepts a
        public client's id with an empty secret, and a public client's id is no secret (Swagger
        UI's page shows it): anyone could otherwise probe tokens."""
        core = self.get_oauthlib_core()
        uri, http_method, body, headers = core._extract_params(request)
        oauthlib_request = OAuthlibRequest(uri, http_method, body, headers)
        authenticated: bool = core.server.request_validator.authenticate_client(oauthlib_request)
        return (
            authenticated
            and oauthlib_request.client.client_type == AbstractApplication.CLIENT_CONFIDENTIAL
        )

    def unauthenticated_response(
        self, request: HttpRequest, oauthlib_request: Any = None
    ) -> HttpResponse:
        """Instead of DOT's bare 403: the JSON error of RFC 6749 §5.2 (client authentication)
        or RFC 6750 §3.1 (bearer token), each with its challenge."""
        scheme = request.headers.get("Authorization", "").partition(" ")[0]
        if scheme.lower() == "bearer":
            error = getattr(oauthlib_request, "oauth2_error", None) or {}
            return bearer_failure({key: str(value) for key, value in error.items()})
        return invalid_client()


def post_only() -> HttpResponse:
    """RFC 9110 §15.5.6 405 with Allow; the body says what to send instead."""
    response = invalid_request(
        "Method not allowed: POST the token in the form body, never in the URL.", status=405
    )
    response["Allow"] = "POST"
    return response


def invalid_client() -> HttpResponse:
    """RFC 6749 §5.2 `invalid_client`: 401 with the challenge of the scheme clients use."""
    description = "Client authentication failed."
    response = JsonResponse(
        {"error": "invalid_client", "error_description": description, "detail": description},
        status=401,
    )
    response["WWW-Authenticate"] = f'Basic realm="{CLIENT_REALM}"'
    return response


def bearer_failure(error: dict[str, str]) -> HttpResponse:
    """RFC 6750 §3.1: 401 `invalid_token`, or 403 `insufficient_scope` naming the scope."""
    error.setdefault("error", "invalid_token")
    error.setdefault("error_description", "The access token is invalid.")
    if error["error"] == "insufficient_scope":
        error["scope"] = INTROSPECTION_SCOPE
    response = JsonResponse({**error, "detail": error["error_description"]})
    response.status_code = challenge_status(error)
    response["WWW-Authenticate"] = build_bearer_challenge(
        None, oauth2_error=error, realm=CLIENT_REALM, resource_metadata_url=None
    )
    return response
