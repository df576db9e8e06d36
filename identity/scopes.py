"""Which OAuth2 scopes a request needs: the one rule the auth class and the OpenAPI share."""

from oauth2_provider.settings import oauth2_settings

from core.http import SAFE_METHODS

GROUPS = "groups"
AUDIT = "audit"


def method_scope(method: str) -> str:
    """`read` for safe methods, `write` for the others (names from DOT's settings)."""
    return str(
        oauth2_settings.READ_SCOPE if method in SAFE_METHODS else oauth2_settings.WRITE_SCOPE
    )


def required_scopes(method: str, extra: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The sorted scopes a token needs for `method` on an API that also needs `extra`."""
    return tuple(sorted(extra | {method_scope(method)}))


def scope_descriptions() -> dict[str, str]:
    return dict(oauth2_settings.SCOPES)
