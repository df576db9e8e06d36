"""Credentials out of log lines. Servers print a request's URL verbatim (runserver's
`django.server` lines, gunicorn's `%(r)s` request line and `%(f)s` Referer), so a client that
sends `GET /o/introspect/?token=...` or `?access_token=...` would leave the token in the logs;
here the value of any `name=value` whose name says it carries a credential becomes `***`."""

import logging
import re
from urllib.parse import unquote_plus

REDACTED = "***"
# OAuth2's token, access_token, refresh_token, client_secret, code, code_verifier, assertion
# and password, and the usual others (api_key, session, signature, ...).
SENSITIVE_NAME = re.compile(
    r"token|secret|passw|pwd|code|key|assertion|credential|auth|session|signature", re.I
)
# `name=` at the start of a query parameter (after `?` or `&`) or of a word in free text.
PARAMETER = re.compile(r"""(?:^|(?<=[?&\s"'(,;]))([^=&?#\s"'(),;]+)=""")
# Where a value ends. A sensitive value runs on past `?`, which a non-sensitive one (whose
# scan goes on inside the value) would hide a nested `?token=` behind.
VALUE_END = re.compile(r"""[&#\s"']""")


def redact(text: str) -> str:
    """`text` with the value of every credential-named `name=value` replaced by `***`."""
    if "=" not in text:
        return text
    parts: list[str] = []
    position = 0
    while match := PARAMETER.search(text, position):
        parts.append(text[position : match.end()])
        position = match.end()
        if SENSITIVE_NAME.search(unquote_plus(match[1])):
            end = VALUE_END.search(text, position)
            position = end.start() if end else len(text)
            parts.append(REDACTED)
    parts.append(text[position:])
    return "".join(parts)


class RedactCredentials(logging.Filter):
    """Rewrites a record whose message holds a credential as its redacted text (LOGGING's
    handlers, gunicorn's through config/gunicorn_conf.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: the handler reports it
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
