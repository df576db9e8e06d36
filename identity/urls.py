"""The browser side around DOT's and the API's URLs: signing in, changing one's password,
DOT's registration page answering with the client secret once, and Swagger UI's sign-in
return page."""

from django.contrib.auth import views as auth_views
from django.db import transaction
from django.urls import path
from oauth2_provider import views as oauth2_views

from identity.authorization import AuthorizationView
from identity.pages import (
    ApplicationRegistration,
    AuthorizedTokenDelete,
    atomic_post,
    swagger_oauth2_redirect,
)
from identity.reauthentication import PasswordChangeView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        # One transaction: the new hash and the revocation of the tokens (identity.revocation).
        transaction.atomic(PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # DOT's authorization endpoint with OpenID Connect's max_age and prompt=none answered
    # (identity.authorization), matched before DOT's own under /o/ as the pages below.
    path("o/authorize/", AuthorizationView.as_view()),
    path("docs/oauth2-redirect", swagger_oauth2_redirect, name="docs-oauth2-redirect"),
    # DOT's paths of these names, matched here first (config/urls.py lists this module before
    # /o/), so DOT's links and reverse() lead to these views: each write and its audit event in
    # one transaction (identity.audit_applications, identity.audit_tokens).
    path("o/applications/register/", atomic_post(ApplicationRegistration.as_view())),
    path("o/applications/<int:pk>/update/", atomic_post(oauth2_views.ApplicationUpdate.as_view())),
    path("o/applications/<int:pk>/delete/", atomic_post(oauth2_views.ApplicationDelete.as_view())),
    path("o/authorized_tokens/<int:pk>/delete/", atomic_post(AuthorizedTokenDelete.as_view())),
]
