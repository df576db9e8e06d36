"""A request id in every answer (`X-Request-ID`) and every log line of the request.

The client's own id is kept if it is 1-128 characters of `[A-Za-z0-9._:-]`: no space, quote,
`=` or control character, so it cannot split a header (RFC 9110 §5.5) or forge a log field.
Any other value is replaced by a fresh uuid4 hex, never echoed.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponseBase

HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{1,128}")
OUTSIDE_A_REQUEST = "-"

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being answered, None outside a request."""
    return _current.get()


def request_id_of(sent: str | None) -> str:
    """The client's id if it is well-formed, else a fresh one."""
    if sent is not None and WELL_FORMED.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


def _forget(**kwargs: Any) -> None:
    _current.set(None)


class RequestId:
    """Sets the id for the request and its answer. It stays set until the response is closed
    (request_finished), after django.request's 4xx warning and the server's request line,
    both logged once the middleware chain has returned."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        request_finished.connect(_forget, dispatch_uid="core.request_id")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_of(request.headers.get(HEADER))
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `record.request_id` for LOGGING's formatters: `-` outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or OUTSIDE_A_REQUEST
        return True
