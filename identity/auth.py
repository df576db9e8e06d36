"""The directory API's authentication: DOT access tokens sent as RFC 6750 §2.1 bearer tokens."""

import re
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import HttpBearer
from oauth2_provider.models import AbstractApplication, AccessToken, get_application_model

from audit.context import Actor, set_actor
from identity.errors import CredentialsMissing, InsufficientScope, InvalidRequest, InvalidToken
from identity.resource_server import application_is_usable, request_uri
from identity.scopes import required_scopes
from identity.selectors import TOKEN_LOOKUP, TokenLookup
from identity.throttle import client_ip
from identity.validators import NOT_ACTIVE_USER

# RFC 6750 §2.1 b64token, bounded: DOT issues 30 characters; nothing longer reaches the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9\-._~+/]{1,255}=*")
TOKEN_IN_QUERY = "Send the access token in the Authorization header, not in the URL."  # noqa: S105
# DOT's own descriptions (OAuth2Validator), for the same refusals.
INVALID = "The access token is invalid."
EXPIRED = "The access token has expired."
OTHER_AUDIENCE = "The access token is not valid for this resource."


class AuthenticatedRequest(HttpRequest):
    """What an operation behind OAuth2Bearer receives."""

    user: User
    auth: AccessToken


class OAuth2Bearer(HttpBearer):
    """Accepts the tokens DOT's resource server path accepts (`validate_bearer_token` of the
    configured validator, identity/validators.py): a live DOT access token that belongs to an
    active user, is meant for this resource (RFC 8707) if it names any, comes from a usable
    application, and carries the scopes the request needs: `read` for safe methods, `write`
    otherwise, plus `scopes`. One query loads the token, its user and what `is_usable` needs of
    its application (identity.selectors.TokenLookup). The accepted token's user, client,
    scopes and the caller's address become the request's actor for the audit trail.

    Raises CredentialsMissing (401) for a request without a bearer token rather than return
    None (Ninja's "try the next scheme"): the API has this one scheme. Then InvalidRequest
    (400), InvalidToken (401) or InsufficientScope (403).
    """

    def __init__(self, *, scopes: Iterable[str] = (), lookup: TokenLookup = TOKEN_LOOKUP) -> None:
        super().__init__()
        self.extra_scopes = frozenset(scopes)
        self.lookup = lookup

    def required_scopes(self, method: str) -> tuple[str, ...]:
        return required_scopes(method, self.extra_scopes)

    def acting_user(self, access_token: AccessToken) -> User | None:
        """Whom the token acts for: its user (a token without one is refused here)."""
        user: User | None = access_token.user
        return user

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
        found = self.lookup.find(token)
        if found is None:
            raise InvalidToken(INVALID)
        access_token, client_id = found
        # What makes the token invalid here comes before the scopes: a token for another
        # resource is refused as such, not for the scopes it lacks.
        if access_token.is_expired():
            raise InvalidToken(EXPIRED)
        user = self.acting_user(access_token)
        if user is None or not user.is_active:
            raise InvalidToken(NOT_ACTIVE_USER)
        # RFC 8707 §2: only a token that names resources is restricted to them.
        if access_token.resource and not access_token.allows_audience(request_uri(request)):
            raise InvalidToken(OTHER_AUDIENCE)
        # Not loaded for DOT's own model, whose is_usable says yes unasked.
        application = access_token.application if self.lookup.loads_application else None
        if not application_is_usable(application, request):
            raise InvalidToken(INVALID)
        scopes = self.required_scopes(request.method or "GET")
        if not access_token.allow_scopes(scopes):
            raise InsufficientScope(scopes)
        request.user = user
        set_actor(
            Actor(
                user_id=user.pk,
                username=user.get_username(),
                client_id=client_id,
                scopes=access_token.scope,
                ip=client_ip(request),
            )
        )
        return access_token


class ClientCredentialsBearer(OAuth2Bearer):
    """OAuth2Bearer for a machine client such as a SCIM provisioning service (RFC 7644 §2):
    the token needs exactly `scopes`, whatever the method, and may come from the client
    credentials grant (RFC 6749 §4.4), whose tokens DOT issues without a user. Such a token
    acts for its application's owner (`Application.user`), who needs the model permissions of
    what the client does, as any user would; an application without an owner, or of another
    grant, acts for nobody and is refused (401). A token with a user acts for its user.
    """

    def required_scopes(self, method: str) -> tuple[str, ...]:
        return tuple(sorted(self.extra_scopes))

    def acting_user(self, access_token: AccessToken) -> User | None:
        if access_token.user is not None:
            user: User = access_token.user
            return user
        application = (
            get_application_model()
            .objects.select_related("user")
            .filter(
                pk=access_token.application_id,
                authorization_grant_type=AbstractApplication.GRANT_CLIENT_CREDENTIALS,
                client_type=AbstractApplication.CLIENT_CONFIDENTIAL,
            )
            .first()
        )
        owner: User | None = None if application is None else application.user
        return owner
