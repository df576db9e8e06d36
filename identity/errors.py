"""Bearer-token failures, each answered with its RFC 6750 §3 challenge."""

from oauth2_provider.www_authenticate import build_bearer_challenge

from core.errors import ApiError, Forbidden

REALM = "api"


class BearerError(ApiError):
    """An error with a `WWW-Authenticate: Bearer` challenge carrying `oauth2_error` (§3)."""

    def __init__(self, detail: str | None = None, oauth2_error: dict[str, str] | None = None):
        super().__init__(detail)
        self.oauth2_error = oauth2_error
        self.headers["WWW-Authenticate"] = build_bearer_challenge(
            None, oauth2_error=oauth2_error, realm=REALM, resource_metadata_url=None
        )


class CredentialsMissing(BearerError):
    """§3.1: a request without authentication information gets no error code."""

    status_code = 401
    default_detail = "Authentication credentials were not provided."


class InvalidToken(BearerError):
    """§3.1 `invalid_token`: unknown, expired, malformed, or no longer usable."""

    status_code = 401

    def __init__(self, description: str) -> None:
        super().__init__(description, {"error": "invalid_token", "error_description": description})


class InvalidRequest(BearerError):
    """§3.1 `invalid_request` (400): here, a token sent in the query string, which RFC 9700
    §4.3.2 forbids (it ends up in logs and Referer headers)."""

    status_code = 400

    def __init__(self, description: str) -> None:
        super().__init__(
            description, {"error": "invalid_request", "error_description": description}
        )


class InsufficientScope(BearerError):
    """§3.1 `insufficient_scope`: a valid token that lacks `scopes`."""

    status_code = Forbidden.status_code
    default_detail = Forbidden.default_detail

    def __init__(self, scopes: tuple[str, ...]) -> None:
        super().__init__(None, {"error": "insufficient_scope", "scope": " ".join(scopes)})
        self.scopes = scopes
