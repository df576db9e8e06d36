"""Sign in with the directory: OpenID Connect on DOT (OpenID Connect Core 1.0).

The claims an ID token and `/o/userinfo/` carry, read from the directory; which clients may
ask for `openid`; the discovery documents (OpenID Connect Discovery 1.0, RFC 8414).

`sub` is DOT's: the user's id, as in `/users/{id}/`. Ids are never reused (both databases
number rows without reuse) and never change, unlike a username, which can be renamed.
`email_verified` is always false: the directory stores addresses and never verifies them.
"""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.generic import View
from jwcrypto import jwk
from oauth2_provider.models import AbstractApplication
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem
from oauth2_provider.views import ConnectDiscoveryInfoView, OAuthServerMetadataView

from identity.models import GrantSignIn, IDTokenSignIn
from identity.scopes import GROUPS, OPENID
from identity.validators import ActiveUserOAuth2Validator, is_active_user

SIGNING_ALGORITHM = AbstractApplication.RS256_ALGORITHM

Claim = Callable[[Any], Any]


def group_names(user: AbstractBaseUser) -> list[str]:
    """The names of the user's groups, sorted: one query."""
    return list(user.groups.order_by("name").values_list("name", flat=True))  # type: ignore[attr-defined]


# OpenID Connect Core §5.1 claims, each a function of oauthlib's request (DOT calls it only when
# the claim's scope was granted, identity.oidc.DirectoryValidator.oidc_claim_scope).
CLAIMS: dict[str, Claim] = {
    "preferred_username": lambda request: request.user.username,
    "name": lambda request: request.user.get_full_name(),
    "given_name": lambda request: request.user.first_name,
    "family_name": lambda request: request.user.last_name,
    "email": lambda request: request.user.email,
    "email_verified": lambda request: False,
    GROUPS: lambda request: group_names(request.user),
}


def present(claims: dict[str, Any]) -> dict[str, Any]:
    """Core §5.3.2: a claim without a value is left out, not sent empty; and so is
    `email_verified` without an `email`."""
    kept = {name: value for name, value in claims.items() if value is not None and value != ""}
    if "email" not in kept:
        kept.pop("email_verified", None)
    return kept


class DirectoryValidator(ActiveUserOAuth2Validator):
    """ActiveUserOAuth2Validator with the directory's claims, RS256 ID tokens only, and no
    authorization code exchanged for a deactivated user (DOT checks `is_active` in the
    password grant only)."""

    oidc_claim_scope = {**ActiveUserOAuth2Validator.oidc_claim_scope, GROUPS: GROUPS}

    def get_additional_claims(self) -> dict[str, Claim]:
        # Request-agnostic (no `request` argument): DOT then lists these in the discovery
        # document's claims_supported.
        return CLAIMS

    def get_oidc_claims(self, token: Any, token_handler: Any, request: Any) -> dict[str, Any]:
        return present(super().get_oidc_claims(token, token_handler, request))

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """`openid` only for applications registered with the RS256 algorithm: DOT signs an
        ID token with the application's algorithm, and HS256's key would be the client secret,
        which is stored hashed here."""
        if OPENID in scopes and getattr(client, "algorithm", None) != SIGNING_ALGORITHM:
            return False
        return bool(super().validate_scopes(client_id, scopes, client, request, *args, **kwargs))

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        if OPENID in request.scopes:
            request.auth_time = (
                GrantSignIn.objects.filter(grant__code=code, grant__application=client)
                .values_list("auth_time", flat=True)
                .first()
            )
        return is_active_user(request.user)

    def _create_authorization_code(
        self, request: Any, code: dict[str, str], expires: datetime | None = None
    ) -> Any:
        """DOT's grant, and for OpenID Connect the time its session signed in
        (identity.authorization.AuthorizationView puts it in the request)."""
        with transaction.atomic():
            grant = super()._create_authorization_code(request, code, expires)
            auth_time = getattr(request, "auth_time", None)
            if auth_time is not None and OPENID in request.scopes:
                GrantSignIn.objects.create(grant=grant, auth_time=auth_time)
        return grant

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        """DOT's check, and the sign-in time behind the ID token of the access token being
        refreshed (DOT loads that access token with the refresh token)."""
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        access_token = request.refresh_token_instance.access_token
        if access_token is not None and access_token.id_token_id is not None:
            request.auth_time = (
                IDTokenSignIn.objects.filter(id_token_id=access_token.id_token_id)
                .values_list("auth_time", flat=True)
                .first()
            )
        return True

    def _save_id_token(
        self, jti: str, request: Any, expires: datetime, *args: Any, **kwargs: Any
    ) -> Any:
        id_token = super()._save_id_token(jti, request, expires, *args, **kwargs)
        auth_time = getattr(request, "auth_time", None)
        if isinstance(auth_time, datetime):
            IDTokenSignIn.objects.create(id_token=id_token, auth_time=auth_time)
        return id_token

    def get_id_token_dictionary(
        self, token: dict[str, Any], token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], datetime]:
        """Core §2 `auth_time`: when the session that approved the code signed in, also in
        the ID tokens of its refreshes. DOT puts the user's `last_login` there, which a later
        sign-in in another browser moves; that stays the answer where no time was recorded."""
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        auth_time = getattr(request, "auth_time", None)
        if isinstance(auth_time, datetime):
            claims["auth_time"] = int(auth_time.timestamp())
        return claims, expiration

    def validate_silent_login(self, request: Any) -> bool:
        """Core §3.1.2.6 `login_required` is answered by the authorization view, which sees
        the browser session (identity.authorization); oauthlib's request does not."""
        return True

    def validate_silent_authorization(self, request: Any) -> bool:
        """`consent_required` likewise (identity.authorization)."""
        return True

    def _get_key_for_token(self, token: str) -> jwk.JWKSet | None:
        """Every key of the JWKS, active and inactive, so an ID token signed before a rotation
        still serves as `id_token_hint` (DOT tries the active key only)."""
        key = super()._get_key_for_token(token)
        if key is None or key.get("kty") != "RSA":
            return key
        keys = jwk.JWKSet()
        for pem in [
            oauth2_settings.OIDC_RSA_PRIVATE_KEY,
            *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE,
        ]:
            rsa_key = jwk_from_pem(pem)
            rsa_key.update(kid=rsa_key.thumbprint())
            keys.add(rsa_key)
        return keys


def _document(view: Callable[..., HttpResponseBase], request: HttpRequest) -> dict[str, Any]:
    """The JSON document a metadata view of DOT's answers `request` with."""
    response = view(request)
    assert isinstance(response, JsonResponse)  # noqa: S101 (DOT's views answer JSON)
    document: dict[str, Any] = json.loads(response.content)
    return document


def _public(document: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(document)
    # Read by relying parties' code in browsers too, as DOT's own views allow.
    response["Access-Control-Allow-Origin"] = "*"
    return response


class DiscoveryView(View):
    """OpenID Connect Discovery 1.0 §4: DOT's document, with the one signing algorithm that
    `validate_scopes` lets an application use."""

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest) -> JsonResponse:
        document = _document(ConnectDiscoveryInfoView.as_view(), request)
        document["id_token_signing_alg_values_supported"] = [SIGNING_ALGORITHM]
        document["claims_supported"] = sorted(document["claims_supported"])  # DOT's is a set
        return _public(document)


class AuthorizationServerMetadataView(View):
    """RFC 8414 §2/§3: the discovery document (same issuer, endpoints, scopes) plus what only
    DOT's RFC 8414 view has: the revocation and introspection endpoints and the grant types.

    Served at `/o/.well-known/oauth-authorization-server` (DOT derives the RFC 9207 `iss` of
    authorization responses from that route), at `/.well-known/oauth-authorization-server/o`
    (RFC 8414 §3.1 for the issuer `<origin>/o`) and at the origin's root.
    """

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest) -> JsonResponse:
        oauth = _document(OAuthServerMetadataView.as_view(), request)
        oidc = _document(DiscoveryView.as_view(), request)
        return _public({**oauth, **oidc})
