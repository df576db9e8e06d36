"""Where a request goes: /admin/ (Django admin), /o/ (DOT: tokens and applications),
/scim/v2/ (SCIM provisioning), and everything else to the directory API (config/api.py) at
the root, as in the tutorial."""

from django.contrib import admin
from django.urls import URLPattern, include, path, re_path
from oauth2_provider import urls as oauth2_urls

from config import health
from config.api import api
from identity.oidc import AuthorizationServerMetadataView, DiscoveryView
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


# OpenID Connect (identity/oidc.py): DOT's JWKS, userinfo and end-session views, discovery
# with the signing algorithms allowed here, and RFC 8414 metadata built from it.
oidc_patterns = [
    re_path(
        r"^\.well-known/openid-configuration$",
        DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        AuthorizationServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
] + [
    p
    for p in oauth2_urls.oidc_urlpatterns
    if p.name in {"jwks-info", "user-info", "rp-initiated-logout"}
]

# DOT's authorize, token, revoke and introspect endpoints, its application management and
# OpenID Connect; not the device flow.
oauth2_patterns = (
    # DOT's views that check credentials, behind the brute-force throttle (identity/throttle.py).
    [
        path("token/", ThrottledTokenView.as_view(), name="token"),
        path("revoke_token/", ThrottledRevokeTokenView.as_view(), name="revoke-token"),
        path("introspect/", ThrottledIntrospectTokenView.as_view(), name="introspect"),
    ]
    + [p for p in oauth2_urls.base_urlpatterns if p.name == "authorize"]
    + [integer_ids(pattern) for pattern in oauth2_urls.management_urlpatterns]
    + oidc_patterns,
    "oauth2_provider",
)

urlpatterns = [
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("", include("identity.urls")),  # before /o/: replaces DOT's registration page
    path("o/", include(oauth2_patterns, namespace="oauth2_provider")),
    # RFC 8414 §3.1: the metadata of the issuer <origin>/o, and at the root for clients that
    # look only there.
    path(
        ".well-known/oauth-authorization-server/o",
        AuthorizationServerMetadataView.as_view(),
        name="oauth-server-metadata-issuer",
    ),
    path(
        ".well-known/oauth-authorization-server",
        AuthorizationServerMetadataView.as_view(),
        name="oauth-server-metadata-root",
    ),
    # SCIM 2.0 provisioning (directory/scim, docs/scim.md), before the API's catch-all root.
    path("scim/v2/", include("directory.scim.urls", namespace="scim")),
    path("", api.urls),
]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
