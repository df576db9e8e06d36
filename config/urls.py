"""Where a request goes: /admin/ (Django admin), /o/ (DOT: tokens and applications),
and everything else to the directory API (config/api.py) at the root, as in the tutorial."""

from django.contrib import admin
from django.urls import URLPattern, include, path
from oauth2_provider import urls as oauth2_urls

from config import health
from config.api import api
from identity.views import (
    ThrottledIntrospectTokenView,
    ThrottledRevokeTokenView,
    ThrottledTokenView,
)


def integer_ids(pattern: URLPattern) -> URLPattern:
    """DOT's pattern with `<int:pk>` for its `<slug:pk>`: DOT looks the slug up as an integer
    id, so `/o/applications/nope/` would be a 500 instead of a 404."""
    route = str(pattern.pattern).replace("<slug:pk>", "<int:pk>")
    return path(route, pattern.callback, name=pattern.name)


# DOT's authorize, token, revoke and introspect endpoints and its application management;
# not the device flow, nor the OIDC views, which answer 500 while OIDC is off.
oauth2_patterns = (
    # DOT's views that check credentials, behind the brute-force throttle (identity/throttle.py).
    [
        path("token/", ThrottledTokenView.as_view(), name="token"),
        path("revoke_token/", ThrottledRevokeTokenView.as_view(), name="revoke-token"),
        path("introspect/", ThrottledIntrospectTokenView.as_view(), name="introspect"),
    ]
    + [p for p in oauth2_urls.base_urlpatterns if p.name == "authorize"]
    + [integer_ids(pattern) for pattern in oauth2_urls.management_urlpatterns],
    "oauth2_provider",
)

urlpatterns = [
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("", include("identity.urls")),  # before /o/: replaces DOT's registration page
    path("o/", include(oauth2_patterns, namespace="oauth2_provider")),
    path("", api.urls),
]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
