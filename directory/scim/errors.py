"""SCIM's error responses (RFC 7644 §3.12): every failure under /scim/v2/, authentication
included, is an Error message with `status` as a string and, where the RFC has one, a
`scimType`."""

from typing import Any

from django.core.exceptions import ValidationError
from pydantic import ValidationError as SchemaValidationError

from core.errors import ApiError, Conflict
from directory.services import GROUP_NAME_TAKEN, USERNAME_TAKEN

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"

# RFC 7644 §3.12, Table 9.
INVALID_FILTER = "invalidFilter"
TOO_MANY = "tooMany"
UNIQUENESS = "uniqueness"
MUTABILITY = "mutability"
INVALID_SYNTAX = "invalidSyntax"
INVALID_PATH = "invalidPath"
NO_TARGET = "noTarget"
INVALID_VALUE = "invalidValue"
INVALID_VERSION = "invalidVers"

EXTERNAL_ID_TAKEN = "Another resource has that externalId."
UNIQUE = (USERNAME_TAKEN, GROUP_NAME_TAKEN, EXTERNAL_ID_TAKEN)


class ScimError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        scim_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [ERROR], "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body


def bad_request(detail: str, scim_type: str = INVALID_VALUE) -> ScimError:
    return ScimError(400, detail, scim_type)


def from_api_error(exc: ApiError) -> ScimError:
    """The directory's own failures (core.errors, identity.errors), their headers kept: a
    bearer failure's WWW-Authenticate challenge (RFC 6750 §3)."""
    scim_type = None
    if isinstance(exc, Conflict) and exc.detail in UNIQUE:
        scim_type = UNIQUENESS
    return ScimError(exc.status_code, str(exc.detail), scim_type, dict(exc.headers))


def from_validation_error(exc: ValidationError) -> ScimError:
    """A service's field check (AUTH_PASSWORD_VALIDATORS): 400 invalidValue."""
    messages = (
        [
            f"{field}: {message}" if field != "__all__" else message
            for field, field_messages in exc.message_dict.items()
            for message in field_messages
        ]
        if hasattr(exc, "error_dict")
        else list(exc.messages)
    )
    return bad_request(" ".join(messages))


def from_schema_error(exc: SchemaValidationError, names: dict[str, str] | None = None) -> ScimError:
    """400 invalidValue naming each field by its SCIM name (`names`), never echoing a value
    (a password's)."""
    parts = []
    for error in exc.errors(include_url=False, include_context=False, include_input=False):
        where = ".".join(str((names or {}).get(str(part), part)) for part in error["loc"])
        parts.append(f"{where}: {error['msg']}" if where else error["msg"])
    return bad_request("; ".join(parts))
