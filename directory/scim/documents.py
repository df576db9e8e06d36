"""A resource's writable attributes as one JSON document, the form that POST and PUT bodies
and PATCH operations (directory.scim.patch) work on, and its validation into the directory's
fields.

Attribute names are case-insensitive (RFC 7643 §2.1): documents hold them lowercase, schema
URN prefixes removed. Attributes this service does not map (Entra's and Okta's default
mappings send `displayName`, `title`, `phoneNumbers`, the enterprise extension, ...) are
ignored, as RFC 7644 §3.3 allows a service provider; readOnly ones (`id`, `meta`, `groups`)
too in a body, refused in a PATCH (directory.scim.patch).
"""

from typing import Annotated, Any, TypeVar

from django.contrib.auth.models import Group, User
from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints
from pydantic import ValidationError as SchemaValidationError

from directory.schemas import Email, GroupName, Name, Password, Username
from directory.scim.discovery import GROUP, USER
from directory.scim.errors import bad_request, from_schema_error

Document = dict[str, Any]

USER_ATTRIBUTES = frozenset({"username", "name", "emails", "active", "externalid", "password"})
GROUP_ATTRIBUTES = frozenset({"displayname", "members", "externalid"})
READ_ONLY = frozenset({"id", "meta", "groups", "schemas"})
# Complex attributes and their writable sub-attributes.
COMPLEX = {"name": frozenset({"givenname", "familyname", "formatted"})}
MULTI_VALUED = frozenset({"emails", "members"})
BOOLEANS = frozenset({"active", "primary"})
URNS = (USER.lower(), GROUP.lower())


def attribute_name(key: str) -> str:
    name = key.strip().lower()
    for urn in URNS:
        if name.startswith(urn + ":"):
            return name[len(urn) + 1 :]
    return name


def lowered(value: Any) -> Any:
    """`value` with every object's keys lowercase (the values as they are)."""
    if isinstance(value, dict):
        return {attribute_name(key): lowered(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lowered(item) for item in value]
    return value


def body_document(body: Any, attributes: frozenset[str]) -> Document:
    """A POST or PUT body as a document of the attributes this service maps."""
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object.", "invalidSyntax")
    document = lowered(body)
    return {key: value for key, value in document.items() if key in attributes}


def user_document(user: User) -> Document:
    """`user` (read by directory.scim.selectors) as a document."""
    document: Document = {
        "username": user.username,
        "name": {"givenname": user.first_name, "familyname": user.last_name},
        "emails": [{"value": user.email, "type": "work", "primary": True}] if user.email else [],
        "active": user.is_active,
    }
    external_id = getattr(user, "external_id", None)
    if external_id is not None:
        document["externalid"] = external_id
    return document


def group_document(group: Group, member_ids: list[int]) -> Document:
    document: Document = {
        "displayname": group.name,
        "members": [{"value": str(user_id)} for user_id in member_ids],
    }
    external_id = getattr(group, "external_id", None)
    if external_id is not None:
        document["externalid"] = external_id
    return document


def boolean(value: Any) -> Any:
    """ "True"/"False" in any case as booleans: Entra ID sends `active` as a string."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


Boolean = Annotated[bool, BeforeValidator(boolean)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00]+$")]


class UserValues(BaseModel):
    """What a user document sets, in the directory's fields and rules (directory.schemas)."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    first_name: Name = ""
    last_name: Name = ""
    email: Email = ""
    is_active: Boolean | None = None  # left out: unchanged (created active)
    external_id: ExternalId | None = None
    password: Password | None = None


class GroupValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: GroupName
    external_id: ExternalId | None = None
    member_ids: list[int] = []


def _primary_email(emails: Any) -> Any:
    """The primary address, else the first: the directory holds one."""
    if emails is None:
        return ""
    if not isinstance(emails, list):
        emails = [emails]
    values = [email for email in emails if isinstance(email, dict)]
    if len(values) != len(emails):
        raise bad_request("emails: each must be an object with a value.")
    chosen = next((email for email in values if boolean(email.get("primary")) is True), None)
    if chosen is None and values:
        chosen = values[0]
    return "" if chosen is None else chosen.get("value") or ""


def user_values(document: Document) -> UserValues:
    name = document.get("name") or {}
    if not isinstance(name, dict):
        raise bad_request("name: must be an object.")
    fields: dict[str, Any] = {
        "username": document.get("username"),
        "first_name": name.get("givenname") or "",
        "last_name": name.get("familyname") or "",
        "email": _primary_email(document.get("emails")),
    }
    if document.get("active") is not None:
        fields["is_active"] = document["active"]
    if document.get("externalid") is not None:
        fields["external_id"] = document["externalid"]
    if document.get("password") is not None:
        fields["password"] = document["password"]
    return _validated(UserValues, fields)


def _member_id(member: Any) -> int:
    value = member.get("value") if isinstance(member, dict) else None
    kind = member.get("type") if isinstance(member, dict) else None
    if kind is not None and str(kind).lower() != "user":
        raise bad_request("members: only users can be members (no nested groups).")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    raise bad_request(f"members: {value!r} is not the id of a user.")


def group_values(document: Document) -> GroupValues:
    members = document.get("members") or []
    if not isinstance(members, list):
        members = [members]
    fields: dict[str, Any] = {
        "name": document.get("displayname"),
        "member_ids": list(dict.fromkeys(_member_id(member) for member in members)),
    }
    if document.get("externalid") is not None:
        fields["external_id"] = document["externalid"]
    return _validated(GroupValues, fields)


M = TypeVar("M", bound=BaseModel)
# The fields' names in SCIM, for error messages.
SCIM_NAMES = {
    "username": "userName",
    "first_name": "name.givenName",
    "last_name": "name.familyName",
    "email": "emails",
    "is_active": "active",
    "external_id": "externalId",
    "password": "password",
    "name": "displayName",
    "member_ids": "members",
}


def _validated(model: type[M], fields: dict[str, Any]) -> M:
    try:
        return model.model_validate(fields)
    except SchemaValidationError as exc:
        raise from_schema_error(exc, SCIM_NAMES) from exc
