import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response
else:
    Response = Any

_PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """Split a `WWW-Authenticate` value into its scheme and auth-params (RFC 9110 §11.6.1)."""
    scheme, _, params = header.partition(" ")
    return scheme, dict(_PARAM.findall(params))


__all__ = ["Response", "parse_challenge"]
