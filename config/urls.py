"""Where a request goes: /admin/ (Django admin), /o/ (DOT: tokens and applications),
and everything else to the directory API (config/api.py) at the root, as in the tutorial."""

from django.contrib import admin
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls

from config.api import api
from identity.views import ApplicationRegistration

# DOT's authorize, token, revoke and introspect endpoints and its application management;
# not the device flow, nor the OIDC views, which answer 500 while OIDC is off. Registration
# is DOT's view, answering with the client secret once (identity/views.py).
OAUTH2_ENDPOINTS = {"authorize", "token", "revoke-token", "introspect"}
REGISTER = path("applications/register/", ApplicationRegistration.as_view(), name="register")
oauth2_patterns = (
    [p for p in oauth2_urls.base_urlpatterns if p.name in OAUTH2_ENDPOINTS]
    + [REGISTER if p.name == "register" else p for p in oauth2_urls.management_urlpatterns],
    "oauth2_provider",
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("o/", include(oauth2_patterns, namespace="oauth2_provider")),
    path("", include("identity.urls")),
    path("", api.urls),
]
