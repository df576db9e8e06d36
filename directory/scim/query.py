"""The directory's users and groups as directory.scim.filters' Resources: where each SCIM
attribute is stored, for filters (RFC 7644 §3.4.2.2) and PATCH paths.

`userName eq` compares lower(username), the expression of the unique index on it (migration
0002); `externalId eq`, case-exact, its own unique index; `displayName eq` lower(name)."""

from django.contrib.auth.models import Group, User
from django.db.models import Q

from directory.scim.discovery import GROUP, USER
from directory.scim.errors import INVALID_FILTER, ScimError
from directory.scim.filters import Attribute, InvalidFilter, Resource, parse_filter
from directory.scim.filters import filter_q as to_q
from directory.scim.ids import group_ids_in_filter

USERS = Resource(
    User,
    USER,
    {
        "id": Attribute("id", "integer"),
        "externalid": Attribute("scim_external_id__external_id", case_exact=True),
        "username": Attribute("username"),
        "name.givenname": Attribute("first_name"),
        "name.familyname": Attribute("last_name"),
        "name.formatted": Attribute(None),
        "emails.value": Attribute("email"),
        "emails.type": Attribute(None, constant="work"),
        "emails.primary": Attribute(None, "boolean", constant=True),
        "active": Attribute("is_active", "boolean"),
        "password": Attribute(None),
        "groups.value": Attribute("groups__id", "integer", multi_valued=True),
        "groups.display": Attribute("groups__name", multi_valued=True),
        "groups.type": Attribute(None, constant="direct"),
        "groups.$ref": Attribute(None),
        "meta.resourcetype": Attribute(None, constant="User"),
        "meta.created": Attribute("date_joined", "dateTime"),
        "meta.lastmodified": Attribute(None, "dateTime"),
        "meta.location": Attribute(None),
        "meta.version": Attribute(None),
    },
)

GROUPS = Resource(
    Group,
    GROUP,
    {
        "id": Attribute("id", "integer"),
        "externalid": Attribute("scim_external_id__external_id", case_exact=True),
        "displayname": Attribute("name"),
        "members.value": Attribute("user__id", "integer", multi_valued=True),
        "members.display": Attribute("user__username", multi_valued=True),
        "members.type": Attribute(None, constant="User"),
        "members.$ref": Attribute(None),
        "meta.resourcetype": Attribute(None, constant="Group"),
        "meta.created": Attribute(None, "dateTime"),
        "meta.lastmodified": Attribute(None, "dateTime"),
        "meta.location": Attribute(None),
        "meta.version": Attribute(None),
    },
)

RESOURCES = {"User": USERS, "Group": GROUPS}


# Where a filter names a group's SCIM id (directory.scim.ids).
GROUP_ID_PATHS = {"User": frozenset({"groups.value"}), "Group": frozenset({"id"})}


def filter_q(resource_type: str, expression: str) -> Q:
    """The filter as a Q on the resource type's model, or 400 invalidFilter."""
    try:
        node = group_ids_in_filter(parse_filter(expression), GROUP_ID_PATHS[resource_type])
        return to_q(node, RESOURCES[resource_type])
    except InvalidFilter as exc:
        raise ScimError(400, str(exc), INVALID_FILTER) from exc
