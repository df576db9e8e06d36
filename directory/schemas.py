"""Request and response bodies. Inputs forbid unknown fields: no mass assignment (OWASP API3)."""

from datetime import datetime
from types import NoneType
from typing import Annotated, Any, TypeVar, get_args

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    StringConstraints,
)
from pydantic_core import PydanticCustomError, core_schema

# The same rule as Django's UnicodeUsernameValidator, checked before the database sees it.
Username = Annotated[str, StringConstraints(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")]
# Control characters (NUL above all: PostgreSQL refuses it) never belong in a name.
Name = Annotated[str, StringConstraints(max_length=150, pattern=r"^[^\x00-\x1f\x7f]*$")]
GroupName = Annotated[
    str, StringConstraints(min_length=1, max_length=150, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=4096, pattern=r"^[^\x00]+$")]


def _django_email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise PydanticCustomError("value_error", "Enter a valid email address.") from exc
    return value


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_django_email)]


def _omit_null_defaults(schema: dict[str, Any]) -> None:
    for field in schema.get("properties", {}).values():
        if field.get("default", ...) is None:
            del field["default"]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_omit_null_defaults)


class _NotNull:
    """The schema of `X | None` that validates like `X` alone but answers null with its own
    error: a union would report each member's failure (two errors, `loc`s naming pydantic's
    validators). Defaults are not validated, so a field left out stays None."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        (present,) = (arg for arg in get_args(source) if arg is not NoneType)
        return core_schema.no_info_before_validator_function(
            _reject_null, handler.generate_schema(present)
        )


def _reject_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError(
            "null_not_allowed", "Leave the field out instead of sending null."
        )
    return value


T = TypeVar("T")
# An optional field that may be left out but never sent as null: a form body has no null, so
# JSON and forms mean the same thing, and the OpenAPI document has no nullable inputs.
Omittable = Annotated[T | None, _NotNull()]


# A plain pydantic model, not a Ninja Schema: Ninja's per-field getter costs ~0.8 ms per page
# of 50 users. No validator runs Python per user but `sorted`: reads come as JSON text from the
# database (directory.selectors), validated in one call per page; a User goes through `of`.
class UserOut(BaseModel):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    date_joined: datetime
    groups: Annotated[list[int], AfterValidator(sorted)]

    @classmethod
    def of(cls, user: User) -> "UserOut":
        """A User from selectors.user_get carries its `group_ids`; a user fresh from
        user_create has none to read."""
        if hasattr(user, "group_ids"):
            ids = user.group_ids or []
        else:
            ids = list(user.groups.values_list("pk", flat=True))
        return cls.model_validate({**vars(user), "groups": ids})


class UserCreateIn(InputSchema):
    username: Username
    password: Password
    email: Email = ""
    first_name: Name = ""
    last_name: Name = ""


class UserUpdateIn(InputSchema):
    """PUT: the whole profile, `is_active` included, so that no omission changes it. A
    password change also needs `current_password` for oneself."""

    username: Username
    email: Email
    first_name: Name
    last_name: Name
    is_active: bool
    password: Omittable[Password] = None
    current_password: Omittable[Password] = None


class UserPatchIn(InputSchema):
    """PATCH: the fields sent change; the fields left out stay as they are."""

    username: Omittable[Username] = None
    email: Omittable[Email] = None
    first_name: Omittable[Name] = None
    last_name: Omittable[Name] = None
    is_active: Omittable[bool] = None
    password: Omittable[Password] = None
    current_password: Omittable[Password] = None


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # plain pydantic, as UserOut

    id: int
    name: str


class GroupIn(InputSchema):
    name: GroupName


class GroupPatchIn(InputSchema):
    name: Omittable[GroupName] = None
