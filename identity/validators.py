import hashlib
from typing import Any

from django.db import router, transaction
from django.db.models import Q
from django.http import HttpRequest
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

from audit.context import acting
from audit.models import Action
from audit.services import events_record
from identity.audit_sign_in import sign_in_change
from identity.audit_tokens import issued_change, oauthlib_ip, token_actor, token_change
from identity.scopes import SCIM

NOT_ACTIVE_USER = "The access token is not issued to an active user."
_ISSUED = "audit_access_token"  # on the oauthlib request: the AccessToken this request created


def is_active_user(user: Any) -> bool:
    return user is not None and bool(user.is_active)


class ActiveUserOAuth2Validator(OAuth2Validator):  # type: ignore[misc]
    """DOT's validator, except that a deactivated user's tokens open nothing (DOT checks
    `is_active` for the password grant only): neither refresh tokens nor access tokens.

    Access tokens here act for a user, as the directory API (identity/auth.py) does: a token
    without one (the client credentials grant) is refused too. This service defines no
    `introspection` scope, the one DOT view that would take a client's bearer token.

    It also records the audit events of the tokens it issues and revokes, in the transaction
    that writes them (identity.audit_tokens), and the password grant's sign-in.
    """

    def get_default_scopes(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> Any:
        """A client credentials token asked for without `scope` (Entra ID's provisioning
        sends none) gets `scim`: it acts for no user, so the API's defaults would open
        nothing, and provisioning (directory/scim) is what such clients are for here."""
        if request.grant_type == "client_credentials":
            return [SCIM]
        return super().get_default_scopes(client_id, request, *args, **kwargs)

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        return is_active_user(request.user)

    def validate_bearer_token(self, token: str, scopes: Any, request: Any) -> bool:
        """RFC 6750 §3.1: `invalid_token` for a token whose user is absent or inactive."""
        if not super().validate_bearer_token(token, scopes, request):
            return False
        if is_active_user(request.user):
            return True
        request.oauth2_error = {"error": "invalid_token", "error_description": NOT_ACTIVE_USER}
        return False

    def build_http_request(self, request: Any) -> HttpRequest:
        """The password grant's request to authenticate(), carrying the authenticated client
        for the audit event of a failed sign-in (identity.audit_sign_in)."""
        http_request: HttpRequest = super().build_http_request(request)
        client = getattr(request, "client", None)
        http_request.oauth2_client_id = getattr(client, "client_id", None)  # type: ignore[attr-defined]
        return http_request

    def _create_access_token(
        self, expires: Any, request: Any, token: Any, source_refresh_token: Any = None
    ) -> Any:
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        setattr(request, _ISSUED, access_token)
        return access_token

    def _save_bearer_token(self, token: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        """RFC 6749 §5.1: the token and its events in DOT's transaction (save_bearer_token). A
        retry within the refresh grace period, answered with the token already issued, records
        nothing."""
        previous = getattr(request, "refresh_token_instance", None)
        previous_token_id = getattr(previous, "access_token_id", None)
        saved = super()._save_bearer_token(token, request, *args, **kwargs)
        issued = getattr(request, _ISSUED, None)
        if issued is not None:
            changes = [issued_change(issued, request.grant_type, previous_token_id)]
            if request.grant_type == "password":
                typed = request.username or ""
                changes.insert(0, sign_in_change(Action.SIGN_IN_SUCCEEDED, typed, issued.user.pk))
            with acting(token_actor(issued, oauthlib_ip(request.headers))):
                events_record(changes)
        return saved

    def revoke_token(
        self, token: str, token_type_hint: str | None, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        """RFC 7009 §2.1: DOT's revocation, with a token.revoked event for each access token it
        deletes (with its refresh token, or through it), in one transaction."""
        access_token_model = get_access_token_model()
        with transaction.atomic(using=router.db_for_write(access_token_model)):
            revoked = tokens_revoked_by(token, getattr(request.client, "pk", None))
            super().revoke_token(token, token_type_hint, request, *args, **kwargs)
            ip = oauthlib_ip(request.headers)
            for access_token in revoked:
                with acting(token_actor(access_token, ip)):
                    events_record([token_change(Action.TOKEN_REVOKED, access_token)])


def tokens_revoked_by(token: str, application_pk: int | None) -> list[Any]:
    """The access tokens DOT's revoke_token deletes for `token`: the access token it is, or the
    one bound to the live refresh token it is, of the requesting client."""
    if application_pk is None:
        return []
    checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
    live_refresh = Q(refresh_token__token_checksum=checksum, refresh_token__revoked__isnull=True)
    return list(
        get_access_token_model()
        .objects.filter(Q(token_checksum=checksum) | live_refresh, application_id=application_pk)
        .select_related("user", "application")
    )
