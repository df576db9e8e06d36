"""The browser side outside DOT's and the API's URLs: signing in, and Swagger UI's
sign-in return page."""

from django.contrib.auth import views as auth_views
from django.urls import path

from identity.views import swagger_oauth2_redirect

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("docs/oauth2-redirect", swagger_oauth2_redirect, name="docs-oauth2-redirect"),
]
