"""Where a request goes: /admin/ (Django admin), /o/ (DOT: tokens and applications),
and everything else to the directory API (config/api.py) at the root, as in the tutorial."""

from django.contrib import admin
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls

from config import health
from config.api import api

# DOT's authorize, token, revoke and introspect endpoints and its application management;
# not the device flow, nor the OIDC views, which answer 500 while OIDC is off.
OAUTH2_ENDPOINTS = {"authorize", "token", "revoke-token", "introspect"}
oauth2_patterns = (
    [p for p in oauth2_urls.base_urlpatterns if p.name in OAUTH2_ENDPOINTS]
    + oauth2_urls.management_urlpatterns,
    "oauth2_provider",
)

urlpatterns = [
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("o/", include(oauth2_patterns, namespace="oauth2_provider")),
    path("", api.urls),
]
