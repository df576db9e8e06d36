"""The admin site, whose page where a signed-in user changes their own password writes in one
transaction, as the admin's change forms do: the new hash and the revocation of the user's
tokens (identity.revocation) commit or roll back together."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.db import router, transaction
from django.http import HttpRequest
from django.template.response import TemplateResponse


class AdminSite(admin.AdminSite):
    def password_change(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        with transaction.atomic(using=router.db_for_write(User)):
            return super().password_change(request, extra_context)
