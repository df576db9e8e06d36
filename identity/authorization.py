"""The authorization endpoint (RFC 6749 §3.1, OpenID Connect Core §3.1.2): DOT's view and
sign-in page, plus what DOT 3.x leaves out of an authentication request.

- `max_age` (Core §3.1.2.1): a session that signed in longer ago than that signs in again.
- `prompt=none` (Core §3.1.2.6): `login_required` or `consent_required` sent to the client's
  redirect URI instead of a page; DOT answers only the signed-out case.
- `prompt=login` and `max_age` are consumed by the sign-in page: the request it returns to
  asks for neither again, so a fresh sign-in always gets through (`max_age=0` included).
- The session's sign-in time (identity.sign_in_time) goes with the code to the ID token's
  `auth_time` (identity.oidc.DirectoryValidator).
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.utils import timezone
from oauth2_provider import views as oauth2_views
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from identity.sign_in_time import session_auth_time

MAX_AGE = "max_age"
PROMPT = "prompt"


def prompts(request: HttpRequest) -> set[str]:
    """Core §3.1.2.1: a space-delimited, case-sensitive list."""
    return set(request.GET.get(PROMPT, "").split())


def max_age_of(request: HttpRequest) -> int | None:
    """The request's `max_age` in seconds; ValueError unless a non-negative integer."""
    value = request.GET.get(MAX_AGE)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit():
        raise ValueError(value)
    return int(value)


def signed_in_within(request: HttpRequest, seconds: int) -> bool:
    """A session whose sign-in time is unknown counts as too old."""
    auth_time = session_auth_time(request)
    if auth_time is None:
        return False
    return (timezone.now() - auth_time).total_seconds() <= seconds


class AuthorizationView(oauth2_views.AuthorizationView):  # type: ignore[misc]
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        silent = "none" in prompts(request)
        if not silent and MAX_AGE not in request.GET:
            return self.dot_get(request, *args, **kwargs)
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError:
            return self.dot_get(request, *args, **kwargs)  # DOT answers the bad request
        try:
            max_age = max_age_of(request)
        except ValueError:
            return self.authentication_error(
                credentials, "invalid_request", "max_age must be a whole number of seconds."
            )
        if max_age is not None and not signed_in_within(request, max_age):
            if silent:
                return self.authentication_error(
                    credentials, "login_required", "The sign-in is older than max_age."
                )
            return self.handle_prompt_login()
        response = self.dot_get(request, *args, **kwargs)
        if silent and is_consent_page(response):
            return self.authentication_error(
                credentials, "consent_required", "The user has not approved this client."
            )
        return response

    def dot_get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)
        return response

    def handle_no_permission(self) -> HttpResponse:
        """Signed out: `prompt=none` gets `login_required` (as DOT answers it, plus RFC 9207's
        `iss`); a request with `max_age` goes to the sign-in page with it consumed."""
        if "none" in prompts(self.request):
            try:
                _scopes, credentials = self.validate_authorization_request(self.request)
            except OAuthToolkitError as error:
                response: HttpResponse = self.error_response(error, application=None)
                return response
            return self.authentication_error(credentials, "login_required", "Nobody is signed in.")
        if MAX_AGE in self.request.GET:
            return self.handle_prompt_login()
        response = super().handle_no_permission()
        return response

    def handle_prompt_login(self) -> HttpResponse:
        """To the sign-in page, even with a live session; back here without `login` in
        `prompt` nor `max_age`, which that sign-in satisfies."""
        query = self.request.GET.copy()
        remaining = [value for value in query.get(PROMPT, "").split() if value != "login"]
        query.pop(MAX_AGE, None)
        query.pop(PROMPT, None)
        if remaining:
            query[PROMPT] = " ".join(remaining)
        return redirect_to_login(
            f"{self.request.path}?{query.urlencode()}",
            resolve_url(self.get_login_url()),
            self.get_redirect_field_name(),
        )

    def create_authorization_response(
        self, request: HttpRequest, scopes: str, credentials: dict[str, Any], allow: bool
    ) -> tuple[str, dict[str, str], str, int]:
        """The session's sign-in time rides with the user into the code's grant."""
        credentials = {**credentials, "auth_time": session_auth_time(request)}
        result: tuple[str, dict[str, str], str, int] = super().create_authorization_response(
            request=request, scopes=scopes, credentials=credentials, allow=allow
        )
        return result

    def authentication_error(
        self, credentials: dict[str, Any], error: str, description: str
    ) -> HttpResponse:
        """Core §3.1.2.6 to the redirect URI oauthlib validated, with `state` and (RFC 9207
        §2) `iss`, as every other authorization response here."""
        parameters = {"error": error, "error_description": description}
        if credentials.get("state"):
            parameters["state"] = credentials["state"]
        if oauth2_settings.COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS:
            parameters["iss"] = oauth2_settings.oauth2_authorization_server_issuer(self.request)
        redirect_uri: str = credentials["redirect_uri"]
        separator = "&" if "?" in redirect_uri else "?"
        application = get_application_model().objects.get(client_id=credentials["client_id"])
        response: HttpResponse = self.redirect(
            redirect_uri + separator + urlencode(parameters), application
        )
        return response


def is_consent_page(response: HttpResponse) -> bool:
    """DOT's answer when the user still has to approve: the form, not an error page nor a
    redirect."""
    if not isinstance(response, TemplateResponse) or response.status_code != 200:
        return False
    return "error" not in (response.context_data or {})
