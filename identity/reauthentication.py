"""The current password that users type to confirm a change of their own password, checked
as a sign-in is: through Django's authenticate(), so that axes counts each wrong one toward
the lockout of the username and the caller's address (identity.throttle), and refuses a locked
one even when it is right. Checked with `User.check_password` instead, a stolen token or
session would be an unthrottled oracle for guessing the password it then replaces.
"""

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.http import HttpRequest

from core.errors import ApiError
from identity.throttle import TOO_MANY_ATTEMPTS, retry_after_seconds


class TooManyAttempts(ApiError):
    """RFC 6585 §4, with the Retry-After of the lockout's cool-off."""

    status_code = 429
    default_detail = TOO_MANY_ATTEMPTS

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        if retry_after:
            self.headers["Retry-After"] = str(retry_after)


def password_confirmed(request: HttpRequest, user: User, password: str) -> bool:
    """Whether `password` is `user`'s; raises TooManyAttempts while the user is locked out
    from this address."""
    confirmed = authenticate(request, username=user.get_username(), password=password)
    if getattr(request, "axes_locked_out", False):
        raise TooManyAttempts(retry_after_seconds(request))
    return confirmed is not None and confirmed.pk == user.pk


class ConfirmedPasswordChangeForm(PasswordChangeForm):
    """Django's form, its old password checked by password_confirmed()."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old_password: str = self.cleaned_data["old_password"]
        try:
            confirmed = password_confirmed(self.request, self.user, old_password)
        except TooManyAttempts as locked:
            raise forms.ValidationError(locked.detail, code="too_many_attempts") from locked
        if not confirmed:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ConfirmedPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}
