"""OAuth2 in the OpenAPI document: a scheme for each flow DOT serves here, either of which an
operation accepts, with per-operation scopes from `OAuth2Bearer.required_scopes`, the code
that enforces them.

A scheme per flow, not one scheme with two flows: Swagger UI keeps one sign-in per scheme, so
with one scheme a password sign-in showed the authorization code flow as signed in too.
Ninja names schemes after the auth class and always lists no scopes; this replaces both.
"""

from typing import Any

from django.urls import reverse
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from identity.auth import OAuth2Bearer
from identity.scopes import scope_descriptions

# Scheme name -> its one flow (OpenAPI 3.1 §4.8.27).
SCHEMES = {"OAuth2AuthorizationCode": "authorizationCode", "OAuth2Password": "password"}


def oauth2_flows() -> dict[str, dict[str, Any]]:
    """The OAuth 2.0 grants a client can use here (RFC 6749 §4), as OpenAPI flow objects.

    `authorizationCode` is the one browsers should use (with PKCE, RFC 7636; Swagger UI does,
    as the public client `manage.py bootstrap` registers); `password` is the tutorial's,
    deprecated by RFC 9700 §2.4.
    """
    token_url = reverse("oauth2_provider:token")
    scopes = scope_descriptions()
    return {
        "authorizationCode": {
            "authorizationUrl": reverse("oauth2_provider:authorize"),
            "tokenUrl": token_url,
            "refreshUrl": token_url,
            "scopes": scopes,
        },
        "password": {"tokenUrl": token_url, "refreshUrl": token_url, "scopes": scopes},
    }


DESCRIPTION = "Access tokens from the token endpoint, sent as `Authorization: Bearer`."


def security_schemes() -> dict[str, dict[str, Any]]:
    flows = oauth2_flows()
    return {
        name: {"type": "oauth2", "description": DESCRIPTION, "flows": {flow: flows[flow]}}
        for name, flow in SCHEMES.items()
    }


def operation_scopes(operation: Operation) -> list[str] | None:
    """The scopes a token needs for `operation`, or None when it is unprotected."""
    if not operation.auth_callbacks:
        return None
    (auth,) = operation.auth_callbacks
    (method,) = operation.methods
    if not isinstance(auth, OAuth2Bearer):
        raise TypeError(f"{operation.operation_id}: no OpenAPI security for {auth!r}")
    return list(auth.required_scopes(method))


class OAuth2OpenAPISchema(OpenAPISchema):
    def operation_security(self, operation: Operation) -> list[dict[str, Any]]:
        scopes = operation_scopes(operation)
        if scopes is None:
            return []
        self.securitySchemes.update(security_schemes())
        # Alternatives (OpenAPI 3.1 §4.8.10): a token from either flow will do.
        return [{name: scopes} for name in SCHEMES]

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        details: dict[str, Any] = super().operation_details(operation)
        # An empty list says "no authentication" explicitly (OpenAPI 3.1 §4.8.10.1).
        details["security"] = self.operation_security(operation)
        return details
