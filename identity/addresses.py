"""The caller's address, for the brute-force throttle and the audit trail alike."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address; behind a trusted TLS proxy, the one that proxy appended last to
    X-Forwarded-For (earlier entries are whatever the client chose to send)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_TLS_PROXY and forwarded:
        return forwarded.rsplit(",", 1)[-1].strip() or None
    address: str | None = request.META.get("REMOTE_ADDR")
    return address
