"""Failures a client can act on. Apps raise them; config/errors.py answers every one the same
way: `{"detail": ...}` with the error's status and headers."""

from typing import TypeVar

T = TypeVar("T")


class ApiError(Exception):
    status_code = 400
    default_detail = "Bad request."

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.default_detail
        self.headers: dict[str, str] = {}
        super().__init__(self.detail)


class Forbidden(ApiError):
    status_code = 403
    default_detail = "You do not have permission to perform this action."


class NotFound(ApiError):
    status_code = 404
    default_detail = "Not found."


class Conflict(ApiError):
    """The write would break a rule of the directory's state: a taken username or group name,
    or no active superuser left."""

    status_code = 409
    default_detail = "Conflict."


def found(value: T | None) -> T:
    """`value`, or NotFound where a selector found nothing."""
    if value is None:
        raise NotFound
    return value


class PreconditionFailed(ApiError):
    """RFC 9110 §15.5.13: an `If-Match` or `If-None-Match` of the request is false now."""

    status_code = 412
    default_detail = (
        "The resource has changed since you read it (If-Match no longer matches its ETag): "
        "read it again."
    )
