"""Audit events of OAuth2 access tokens: issued, refreshed, revoked.

The target is the AccessToken's primary key with the application's name as label: never the
token, nor its checksum. The actor is the token's user (none for a client credentials token),
with the token's application and scopes; a token that `manage.py issue_provisioning_token`
issued is recorded as the client credentials grant's are, the command's name as its grant type.
Bulk revocation after a password change or a deactivation (identity.revocation) records no
event per token: user.password_changed or user.deactivated says it.
"""

from typing import Any

from django.http import HttpRequest

from audit.context import Actor
from audit.models import Action
from audit.services import Change
from identity.addresses import client_ip

# What a token.issued event names in place of a grant type for a token the command issued.
PROVISIONING_TOKEN_ISSUER = "issue_provisioning_token"  # noqa: S105 (a command's name)


def token_actor(token: Any, ip: str | None) -> Actor:
    """The token's user acting through its client with its scopes; a user-less token (client
    credentials grant) is an actor without id, so the event still names the client."""
    user = token.user
    return Actor(
        user_id=user.pk if user is not None else None,
        username=user.get_username() if user is not None else "",
        client_id=token.application.client_id,
        scopes=token.scope,
        ip=ip,
    )


def token_change(action: str, token: Any, changes: dict[str, Any] | None = None) -> Change:
    return Change(action, "token", token.pk, token.application.name, changes or {})


def issued_change(token: Any, grant_type: str, previous_token_id: int | None) -> Change:
    """RFC 6749 §5.1: a token issued by `grant_type`; a refresh (§6) names the token it
    replaces."""
    if grant_type == "refresh_token":
        return token_change(Action.TOKEN_REFRESHED, token, {"previous_token": previous_token_id})
    return token_change(Action.TOKEN_ISSUED, token, {"grant_type": grant_type})


def provisioning_issued_change(token: Any) -> Change:
    """A token issued by `manage.py issue_provisioning_token` (identity.services), not by a
    grant at the token endpoint: that name in place of the grant type, and its expiry, since
    the command chooses the lifetime."""
    return token_change(
        Action.TOKEN_ISSUED,
        token,
        {"grant_type": PROVISIONING_TOKEN_ISSUER, "expires": token.expires.isoformat()},
    )


def oauthlib_ip(headers: Any) -> str | None:
    """The caller's address from an oauthlib request's headers (DOT copies request.META)."""
    request = HttpRequest()
    request.META = dict(headers or {})
    return client_ip(request)
