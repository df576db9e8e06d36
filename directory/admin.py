"""The admin's user pages: Django's UserAdmin, keeping two rules the API keeps too.

- Usernames are unique regardless of case (identity.usernames): the add and change forms answer
  a form error for a name taken in another case, not the unique index's IntegrityError (a 500).
- A user's password page writes in one transaction, so the new hash and the revocation of the
  user's tokens (identity.revocation) commit together.
- The last active superuser stays (directory.superusers): deleting it, one at a time or with
  "delete selected", or unticking its `is_active` or `is_superuser`, is refused with a message.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from core.errors import Conflict
from directory.superusers import (
    LAST_SUPERUSER,
    LAST_SUPERUSER_STAYS,
    keep_an_active_superuser,
    leaves_no_active_superuser,
)
from identity.usernames import users_named

# Django's admin and form classes take no type arguments at run time; django-stubs' do.
if TYPE_CHECKING:
    BaseUserAdmin = auth_admin.UserAdmin[User]
    BaseCreationForm = auth_forms.AdminUserCreationForm[User]
    BaseChangeForm = auth_forms.UserChangeForm[User]
else:
    BaseUserAdmin = auth_admin.UserAdmin
    BaseCreationForm = auth_forms.AdminUserCreationForm
    BaseChangeForm = auth_forms.UserChangeForm


def _taken(user: User) -> ValidationError:
    return ValidationError(user.unique_error_message(User, ["username"]))


class UserCreationForm(BaseCreationForm):
    def clean_username(self) -> str:
        """As Django's (which compares with `iexact`), with the unique index's expression."""
        username: str = self.cleaned_data["username"]
        if username and users_named(username).exists():
            raise _taken(self.instance)
        return username


class UserChangeForm(BaseChangeForm):
    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if username and users_named(username).exclude(pk=self.instance.pk).exists():
            raise _taken(self.instance)
        return username

    def clean(self) -> dict[str, Any] | None:
        """Runs inside the change view's transaction, which saves the user: the superusers'
        rows stay locked from this check until the change is committed."""
        super().clean()
        cleaned = self.cleaned_data
        stays = cleaned.get("is_active", self.instance.is_active) and cleaned.get(
            "is_superuser", self.instance.is_superuser
        )
        if not stays and leaves_no_active_superuser([self.instance.pk]):
            raise ValidationError(LAST_SUPERUSER_STAYS)
        return cleaned


class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    actions = ["delete_selected"]

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's password page for a user, in one transaction as the change form is: the new
        hash and the revocation of the user's tokens (identity.revocation) commit together."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().user_change_password(request, id, form_url)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        # Inside delete_view's transaction, which a Conflict rolls back (its log entry too).
        keep_an_active_superuser([obj.pk])
        super().delete_model(request, obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except Conflict as refused:
            self.message_user(request, refused.detail, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:auth_user_change", args=(object_id,)))

    @admin.action(
        permissions=["delete"], description=gettext_lazy("Delete selected %(verbose_name_plural)s")
    )
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[User]) -> Any:
        """Django's "delete selected", refused (at its confirmation page or after it) where it
        would delete every active superuser; the check and the deletion share one transaction."""
        with transaction.atomic(using=router.db_for_write(User)):
            if leaves_no_active_superuser(queryset.values_list("pk", flat=True)):
                self.message_user(request, LAST_SUPERUSER, messages.ERROR)
                return None
            return django_delete_selected(self, request, queryset)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
