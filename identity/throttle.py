"""Brute-force protection for /o/token/, the admin login and the sign-in page, on django-axes.

Axes counts failed logins in the database (shared by every app server). A username is locked
together with the caller's address, at AXES_FAILURE_LIMIT: nobody can lock an account for
everybody else, from one address or behind a shared NAT or proxy. The address on its own is
locked at a far higher LOGIN_ADDRESS_FAILURE_LIMIT, against password spraying (one password
tried on many usernames). The token views add a third key, the OAuth2 client, for
failed client authentication (RFC 6749 §2.3.1), which never reaches Django's authenticate().
Each failed sign-in it counts is an audit event, in the transaction of the count
(identity.audit_sign_in).
"""

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse

# AXES_CLIENT_IP_CALLABLE names it here.
from identity.addresses import client_ip as client_ip
from identity.audit_sign_in import sign_in_failure_record

TOO_MANY_ATTEMPTS = "Too many failed login attempts. Try again later."
# The credentials key that marks a failed client authentication: no login form sends it.
CLIENT_KEY = "oauth2_client"
# Upper case: usernames are counted in lower case (username_key), so no username typed into a
# login form can share a client's counter.
CLIENT_KEY_PREFIX = "OAUTH2-CLIENT:"


def username_key(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """What a failure is counted under: the OAuth2 client, or the username in lower case, so
    that `Alice` and `alice` (one account: usernames are unique regardless of case) share one
    counter."""
    if credentials and CLIENT_KEY in credentials:
        return CLIENT_KEY_PREFIX + str(credentials[CLIENT_KEY])
    username = credentials.get("username") if credentials else request.POST.get("username")
    return username.lower() if isinstance(username, str) else None


def lockout_parameters(
    request: HttpRequest, credentials: dict[str, Any] | None
) -> list[str | list[str]]:
    """A username counts together with the address; a client on its own, from every address."""
    if credentials and CLIENT_KEY in credentials:
        return ["username"]
    return [["username", "ip_address"]]


def address_is_locked(request: HttpRequest) -> bool:
    """Failures from the caller's address within the cool-off, whatever the username or client,
    have reached LOGIN_ADDRESS_FAILURE_LIMIT."""
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        attempt_time__gte=get_cool_off_threshold(request),
    )
    failures: int = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
    return failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class ThrottleHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """Axes' database handler with the address's own, higher limit: axes compares every lockout
    parameter with one AXES_FAILURE_LIMIT, so the address alone is checked here."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return bool(super().is_locked(request, credentials)) or address_is_locked(request)

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            super().user_login_failed(sender, credentials, request, **kwargs)
            return
        # The audit event of a sign-in commits or rolls back with the count.
        with transaction.atomic():
            self._count_failure(sender, credentials, request, **kwargs)
            if CLIENT_KEY not in credentials:
                sign_in_failure_record(request, credentials)

    def _count_failure(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request.axes_locked_out or not address_is_locked(request):  # type: ignore[attr-defined]
            return
        # As axes does at its own limit: the failure that reaches it is answered 429 already.
        request.axes_locked_out = True  # type: ignore[attr-defined]
        request.axes_credentials = credentials  # type: ignore[attr-defined]
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        )


def retry_after_seconds(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """429 (RFC 6585 §4) with Retry-After, shaped as an RFC 6749 §5.2 error and as the API's
    `detail` body, for the token endpoint and the browser logins alike."""
    response = JsonResponse(
        {
            "error": "access_denied",
            "error_description": TOO_MANY_ATTEMPTS,
            "detail": TOO_MANY_ATTEMPTS,
        },
        status=429,
    )
    seconds = retry_after_seconds(request)
    if seconds:
        response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


def token_request_client_id(request: HttpRequest) -> str | None:
    """The client_id of a token request: HTTP Basic (RFC 6749 §2.3.1) or the form field."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, _ = decoded.partition(":")
        return unquote(client_id) if sep else None
    form_client_id = request.POST.get("client_id")
    return form_client_id or None


def client_credentials(client_id: str) -> dict[str, str]:
    """What a failed client authentication is counted under (username_key)."""
    return {CLIENT_KEY: client_id}
