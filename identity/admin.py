"""The admin pages for DOT's models, showing what an operator looks for: who owns a client,
how it gets tokens and where it may redirect; whose tokens are live, with which scopes, until
when. DOT's own admin classes are kept (they mask token values and revoke instead of
deleting) and extended here."""

from datetime import datetime
from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider import admin as oauth2_admin
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from audit.models import Action
from audit.services import events_record
from identity.audit_tokens import token_change

USER_SEARCH = ("user__username", "user__email")
APPLICATION_SEARCH = ("application__name", "application__client_id")


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expired"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Live"), ("yes", "Expired")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        if self.value() == "no":
            return queryset.filter(expires__gt=now)
        if self.value() == "yes":
            return queryset.filter(expires__lte=now)
        return queryset


class RevokedFilter(admin.SimpleListFilter):
    title = "revocation"
    parameter_name = "revoked"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Usable"), ("yes", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("no", "yes"):
            return queryset.filter(revoked__isnull=self.value() == "no")
        return queryset


def is_live(expires: datetime) -> bool:
    return expires > timezone.now()


class ApplicationAdmin(oauth2_admin.ApplicationAdmin):  # type: ignore[misc]
    list_display = (
        "name",
        "client_id",
        "owner",
        "client_type",
        "authorization_grant_type",
        "redirect_uri_list",
        "skip_authorization",
        "created",
    )
    list_filter = ("client_type", "authorization_grant_type", "skip_authorization", "created")
    list_select_related = ("user",)
    search_fields = ("name", "client_id", "redirect_uris", *USER_SEARCH)
    ordering = ("name",)

    @admin.display(description="owner", ordering="user__username")
    def owner(self, application: Application) -> str:
        return str(application.user or "—")

    @admin.display(description="redirect URIs")
    def redirect_uri_list(self, application: Application) -> str:
        return ", ".join(application.redirect_uris.split()) or "—"


class AccessTokenAdmin(oauth2_admin.AccessTokenAdmin):  # type: ignore[misc]
    list_display = ("masked_token", "user", "application", "scope", "expires", "live", "created")
    list_filter = (ExpiryFilter, "application", "created")
    search_fields = (*USER_SEARCH, *APPLICATION_SEARCH, "scope")
    ordering = ("-created",)

    @admin.display(boolean=True, description="live")
    def live(self, token: AccessToken) -> bool:
        return is_live(token.expires)

    @admin.action(description="Revoke selected access tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        """DOT's action, in one transaction with a token.revoked event per token, made by the
        signed-in staff user."""
        with transaction.atomic():
            tokens = list(queryset.select_related("application"))
            events_record([token_change(Action.TOKEN_REVOKED, token) for token in tokens])
            super().revoke_tokens(request, tokens)


class RefreshTokenAdmin(oauth2_admin.RefreshTokenAdmin):  # type: ignore[misc]
    list_display = ("masked_token", "user", "application", "created", "revoked")
    list_filter = (RevokedFilter, "application", "created")
    search_fields = (*USER_SEARCH, *APPLICATION_SEARCH)
    ordering = ("-created",)

    @admin.action(description="Revoke selected refresh tokens")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[RefreshToken]) -> None:
        """DOT's action, in one transaction with a token.revoked event for each access token it
        deletes (that of each live refresh token), made by the signed-in staff user."""
        with transaction.atomic():
            refresh_tokens = list(queryset)
            tokens = AccessToken.objects.filter(
                refresh_token__in=[t for t in refresh_tokens if t.revoked is None]
            ).select_related("application")
            events_record([token_change(Action.TOKEN_REVOKED, token) for token in tokens])
            super().revoke_tokens(request, refresh_tokens)


class GrantAdmin(oauth2_admin.GrantAdmin):  # type: ignore[misc]
    list_display = (
        "masked_code",
        "user",
        "application",
        "scope",
        "code_challenge_method",
        "expires",
    )
    list_filter = (ExpiryFilter, "application", "code_challenge_method")
    list_select_related = ("application", "user")
    search_fields = (*USER_SEARCH, *APPLICATION_SEARCH)
    ordering = ("-created",)


for model, model_admin in (
    (Application, ApplicationAdmin),
    (AccessToken, AccessTokenAdmin),
    (RefreshToken, RefreshTokenAdmin),
    (Grant, GrantAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
