"""Browser pages around DOT's: application registration that shows the client secret once,
the revocation of one's own token, writes in one transaction with their audit events, and the
page Swagger UI's sign-in popup returns to."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from oauth2_provider import views as oauth2_views
from oauth2_provider.models import Application

from audit.models import Action
from audit.services import events_record
from identity.audit_tokens import token_change

View = Callable[..., HttpResponse]


def atomic_post(view: View) -> View:
    """A POST in one transaction: the write and its audit event commit or roll back together.
    GETs, which write nothing, open none (on SQLite a transaction takes the write lock)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        with transaction.atomic():
            return view(request, *args, **kwargs)

    return wrapped


class ApplicationRegistration(oauth2_views.ApplicationRegistration):  # type: ignore[misc]
    """DOT's registration form, answered with the new client's credentials in cleartext once.

    DOT hashes the client secret on save, so the page that confirms the registration is the
    last moment anyone can read it. It is rendered, not redirected to, so the secret is stored
    nowhere in cleartext (not even in the session).
    """

    template_registered = "oauth2_provider/application_registered.html"
    help_when_hashed = (
        "The next page shows this secret once more; then it is stored hashed and cannot be "
        "recovered."
    )

    def get_form(self, form_class: Any = None) -> "ModelForm[Any]":
        form: ModelForm[Any] = super().get_form(form_class)
        # DOT's help says to copy the secret before saving; here there is a second chance.
        secret = form.fields["client_secret"]
        if secret.help_text == form.client_secret_help_when_hashed:  # type: ignore[attr-defined]
            secret.help_text = self.help_when_hashed
        form.fields["hash_client_secret"].widget.attrs["data-client-secret-help-when-hashed"] = (
            self.help_when_hashed
        )
        return form

    def form_valid(self, form: "ModelForm[Any]") -> HttpResponse:
        application: Application = form.instance
        application.user = self.request.user
        client_secret = application.client_secret  # cleartext until save() hashes it
        self.object = form.save()
        response = render(
            self.request,
            self.template_registered,
            {"application": self.object, "client_secret": client_secret},
        )
        response["Cache-Control"] = "no-store"
        return response


class AuthorizedTokenDelete(oauth2_views.AuthorizedTokenDeleteView):  # type: ignore[misc]
    """DOT's page revoking one of the signed-in user's tokens, recording token.revoked (RFC 7009
    §2.1: with its refresh token) as that user, from no client."""

    def form_valid(self, form: Any) -> HttpResponse:
        events_record([token_change(Action.TOKEN_REVOKED, self.object)])
        response: HttpResponse = super().form_valid(form)
        return response


@never_cache
def swagger_oauth2_redirect(request: HttpRequest) -> HttpResponse:
    """Where the authorization server sends Swagger UI's sign-in popup back (RFC 6749 §4.1.2):
    Swagger UI's own script hands the code to the page that opened the popup."""
    return render(request, "docs/oauth2-redirect.html")
