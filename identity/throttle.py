"""Brute-force protection for /o/token/ and the admin login, on django-axes.

Axes counts failed logins in the database (shared by every app server) by username and by
client IP address. The token view adds a third key, the OAuth2 client, for failed client
authentication (RFC 6749 §2.3.1), which never reaches Django's authenticate().
"""

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

TOO_MANY_ATTEMPTS = "Too many failed login attempts. Try again later."
# Usernames cannot contain ":" (Django's UnicodeUsernameValidator), so these never collide.
CLIENT_KEY_PREFIX = "oauth2-client:"


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind a trusted TLS proxy, the one that proxy appended last to
    X-Forwarded-For (earlier entries are whatever the client chose to send)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_TLS_PROXY and forwarded:
        return forwarded.rsplit(",", 1)[-1].strip() or None
    address: str | None = request.META.get("REMOTE_ADDR")
    return address


def retry_after_seconds(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """429 (RFC 6585 §4) with Retry-After, shaped as an RFC 6749 §5.2 error and as the API's
    `detail` body, for the token endpoint and the admin login alike."""
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
    return {"username": CLIENT_KEY_PREFIX + client_id}
