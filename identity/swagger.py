"""Swagger UI that signs in with the authorization code grant and PKCE (RFC 7636), as the
public client `manage.py bootstrap` registers, besides the password flow.

Ninja's page passes its settings to SwaggerUIBundle but never calls `initOAuth`, which is
where the client id and PKCE are configured; this page and its script do.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI, Swagger


class OAuth2Swagger(Swagger):
    template = "docs/swagger.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        redirect_url = request.build_absolute_uri(reverse("docs-oauth2-redirect"))
        context = {
            "api": api,
            "swagger_settings": {
                **self.settings,
                "url": self.get_openapi_url(api, kwargs),
                "oauth2RedirectUrl": redirect_url,
            },
            "init_oauth": {
                "clientId": settings.SWAGGER_UI_CLIENT_ID,
                "usePkceWithAuthorizationCodeGrant": True,
            },
        }
        return render(request, self.template, context)
