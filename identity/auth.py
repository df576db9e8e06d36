"""The directory API's authentication: DOT access tokens sent as RFC 6750 §2.1 bearer tokens."""

import re
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import HttpBearer
from oauth2_provider.models import AccessToken

from identity.errors import CredentialsMissing, InsufficientScope, InvalidRequest, InvalidToken
from identity.scopes import required_scopes
from identity.selectors import access_token_get

# RFC 6750 §2.1 b64token, bounded: DOT issues 30 characters; nothing longer reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9\-._~+/]{1,255}=*")
TOKEN_IN_QUERY = "Send the access token in the Authorization header, not in the URL."  # noqa: S105


class AuthenticatedRequest(HttpRequest):
    """What an operation behind OAuth2Bearer receives."""

    user: User
    auth: AccessToken


class OAuth2Bearer(HttpBearer):
    """Accepts a live DOT access token that belongs to an active user and carries the scopes
    the request needs: `read` for safe methods, `write` otherwise, plus `scopes`.

    Raises CredentialsMissing (401) for a request without a bearer token rather than return
    None (Ninja's "try the next scheme"): the API has this one scheme. Then InvalidRequest
    (400), InvalidToken (401) or InsufficientScope (403).
    """

    def __init__(self, *, scopes: Iterable[str] = ()) -> None:
        super().__init__()
        self.extra_scopes = frozenset(scopes)

    def required_scopes(self, method: str) -> tuple[str, ...]:
        return required_scopes(method, self.extra_scopes)

    def __call__(self, request: HttpRequest) -> AccessToken:
        # Replaces HttpBearer.__call__, which logs the whole header (the token) in DEBUG.
        if "access_token" in request.GET:
            raise InvalidRequest(TOKEN_IN_QUERY)
        header = request.headers.get(self.header, "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            raise CredentialsMissing
        return self.authenticate(request, token.strip(" "))

    def authenticate(self, request: HttpRequest, token: str) -> AccessToken:
        if not TOKEN_PATTERN.fullmatch(token):
            raise InvalidToken("The access token is malformed.")
        access_token = access_token_get(token=token)
        if access_token is None:
            raise InvalidToken("The access token is invalid.")
        if access_token.is_expired():
            raise InvalidToken("The access token has expired.")
        user = access_token.user
        if user is None or not user.is_active:
            raise InvalidToken("The access token is not issued to an active user.")
        scopes = self.required_scopes(request.method or "GET")
        if not access_token.allow_scopes(scopes):
            raise InsufficientScope(scopes)
        request.user = user
        return access_token
