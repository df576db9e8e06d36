"""Application models whose `is_usable(request)` is not DOT's (which always says yes), as a
swapped application model's would be: proxies of DOT's, the same table with their own method.

This project keeps DOT's model, so nothing else reaches these; tests hand them to the places
that take an application model (identity.selectors.TokenLookup) and to DOT's validator."""

from typing import Any

from oauth2_provider.models import Application


class HttpsOnlyApplication(Application):  # type: ignore[misc]
    """Usable over https only: `is_usable` reads the oauthlib request it is given."""

    class Meta:
        proxy = True
        app_label = "oauth2_provider"  # an app with migrations; a proxy needs no table

    def is_usable(self, request: Any) -> bool:
        return str(request.uri).startswith("https://")


class RetiredApplication(Application):  # type: ignore[misc]
    class Meta:
        proxy = True
        app_label = "oauth2_provider"

    def is_usable(self, request: Any) -> bool:
        return False
