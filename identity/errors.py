"""Bearer-token failures and the RFC 6750 §3 challenge that answers them."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError
from oauth2_provider.www_authenticate import build_bearer_challenge

REALM = "api"
PERMISSION_DENIED = "You do not have permission to perform this action."
CREDENTIALS_MISSING = "Authentication credentials were not provided."


class InvalidToken(AuthenticationError):
    """RFC 6750 §3.1 `invalid_token`: unknown, expired, malformed, or no longer usable."""

    def __init__(self, description: str) -> None:
        super().__init__(401, description)
        self.oauth2_error = {"error": "invalid_token", "error_description": description}


class InvalidRequest(AuthenticationError):
    """RFC 6750 §3.1 `invalid_request` (400): here, a token sent in the query string, which
    RFC 9700 §4.3.2 forbids (it ends up in logs and Referer headers)."""

    def __init__(self, description: str) -> None:
        super().__init__(400, description)
        self.oauth2_error = {"error": "invalid_request", "error_description": description}


class InsufficientScope(AuthorizationError):
    """RFC 6750 §3.1 `insufficient_scope`: a valid token that lacks `scopes`."""

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__(403, PERMISSION_DENIED)
        self.scopes = scopes
        self.oauth2_error = {"error": "insufficient_scope", "scope": " ".join(scopes)}


def bearer_challenge_response(
    api: NinjaAPI, request: HttpRequest, exc: AuthenticationError | InsufficientScope
) -> HttpResponse:
    """400/401/403 with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3); each error class
    carries its status. A request without a bearer token gets no error code (§3.1).
    """
    oauth2_error = getattr(exc, "oauth2_error", None)
    detail = str(exc) if oauth2_error else CREDENTIALS_MISSING
    response = api.create_response(request, {"detail": detail}, status=exc.status_code)
    response["WWW-Authenticate"] = build_bearer_challenge(
        request, oauth2_error=oauth2_error, realm=REALM, resource_metadata_url=None
    )
    return response
