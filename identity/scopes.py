"""Which OAuth2 scopes a request needs: the one rule the auth class and the OpenAPI share."""

from oauth2_provider.settings import oauth2_settings

from core.http import SAFE_METHODS

GROUPS = "groups"
AUDIT = "audit"
# SCIM 2.0 provisioning (directory/scim): needed alone, whatever the method.
SCIM = "scim"
# OpenID Connect Core §5.4 (identity/oidc.py): they sign a user in; no API operation needs them.
OPENID = "openid"
SIGN_IN_SCOPES = frozenset({OPENID, "profile", "email"})


def method_scope(method: str) -> str:
    """`read` for safe methods, `write` for the others (names from DOT's settings)."""
    return str(
        oauth2_settings.READ_SCOPE if method in SAFE_METHODS else oauth2_settings.WRITE_SCOPE
    )


def required_scopes(method: str, extra: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The sorted scopes a token needs for `method` on an API that also needs `extra`."""
    return tuple(sorted(extra | {method_scope(method)}))


def scope_descriptions() -> dict[str, str]:
    """The scopes the API's operations need, with their descriptions (the OpenAPI document's
    and Swagger UI's list): every scope but the sign-in ones and `scim`, which only the SCIM
    service (documented in docs/scim.md, not in the REST API's document) needs."""
    return {
        name: description
        for name, description in oauth2_settings.SCOPES.items()
        if name not in SIGN_IN_SCOPES and name != SCIM
    }
