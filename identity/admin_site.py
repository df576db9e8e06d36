"""The admin site, whose page where a signed-in user changes their own password checks the
current one as a sign-in does (identity.reauthentication), and writes in one transaction, as
the admin's change forms do: the new hash and the revocation of the user's tokens
(identity.revocation) commit or roll back together."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.db import router, transaction
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from identity.reauthentication import ConfirmedPasswordChangeForm, PasswordChangeView


class AdminPasswordChangeForm(ConfirmedPasswordChangeForm):
    required_css_class = "required"  # as django.contrib.admin.forms.AdminPasswordChangeForm


class AdminSite(admin.AdminSite):
    # django-stubs say TemplateResponse; a successful change is answered with a redirect.
    def password_change(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponseBase:
        """Django's, with the form above."""
        options: dict[str, Any] = {
            "form_class": AdminPasswordChangeForm,
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            options["template_name"] = self.password_change_template
        request.current_app = self.name
        with transaction.atomic(using=router.db_for_write(User)):
            return PasswordChangeView.as_view(**options)(request)
