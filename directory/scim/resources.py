"""The SCIM representation of users and groups (RFC 7643 §4), and the `attributes` and
`excludedAttributes` projection of it (RFC 7644 §3.4.2.5). Never a password, hash or token."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group, User

from directory.etags import group_tag, user_tag
from directory.scim.discovery import GROUP, USER
from directory.scim.ids import group_id

ALWAYS_RETURNED = frozenset({"id", "schemas"})
NEVER_RETURNED = frozenset({"password"})


def _meta(
    resource_type: str,
    location: str,
    version: str | None,
    created: datetime | None,
    last_modified: datetime | None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"resourceType": resource_type}
    if created is not None:
        meta["created"] = created
    if last_modified is not None or created is not None:
        meta["lastModified"] = last_modified or created
    meta["location"] = location
    if version is not None:
        meta["version"] = version
    return meta


def user_resource(user: User, group_names: dict[int, str], base_url: str) -> dict[str, Any]:
    """`user` as directory.scim.selectors reads it (with group_ids, external_id,
    last_modified)."""
    location = f"{base_url}/Users/{user.pk}"
    resource: dict[str, Any] = {"schemas": [USER], "id": str(user.pk)}
    external_id = getattr(user, "external_id", None)
    if external_id is not None:
        resource["externalId"] = external_id
    resource["userName"] = user.username
    name = {
        key: value
        for key, value in (("givenName", user.first_name), ("familyName", user.last_name))
        if value
    }
    if name:
        resource["name"] = name
    if user.email:
        resource["emails"] = [{"value": user.email, "type": "work"}]
    resource["active"] = user.is_active
    group_ids = sorted(getattr(user, "group_ids", None) or [])
    if group_ids:
        resource["groups"] = [
            {
                "value": group_id(pk),
                "$ref": f"{base_url}/Groups/{group_id(pk)}",
                "display": group_names.get(pk, ""),
                "type": "direct",
            }
            for pk in group_ids
        ]
    resource["meta"] = _meta(
        "User", location, user_tag(user), user.date_joined, getattr(user, "last_modified", None)
    )
    return resource


def group_resource(
    group: Group, members: list[tuple[int, str]] | None, base_url: str, *, display: bool = False
) -> dict[str, Any]:
    """`members` None: not read (excluded by the request), so not returned; their `display`
    (returned "request", RFC 7643 §7) only if `display`."""
    location = f"{base_url}/Groups/{group_id(group.pk)}"
    resource: dict[str, Any] = {"schemas": [GROUP], "id": group_id(group.pk)}
    external_id = getattr(group, "external_id", None)
    if external_id is not None:
        resource["externalId"] = external_id
    resource["displayName"] = group.name
    if members:
        resource["members"] = [
            {
                "value": str(user_id),
                "$ref": f"{base_url}/Users/{user_id}",
                **({"display": username} if display else {}),
                "type": "User",
            }
            for user_id, username in members
        ]
    resource["meta"] = _meta(
        "Group",
        location,
        group_tag(group),
        getattr(group, "created", None),
        getattr(group, "last_modified", None),
    )
    return resource


@dataclass(frozen=True)
class Projection:
    """The request's `attributes` or `excludedAttributes` (RFC 7644 §3.4.2.5), as lowercase
    (attribute, sub-attribute or None) pairs, schema URNs removed."""

    attributes: frozenset[tuple[str, str | None]] = frozenset()
    excluded: frozenset[tuple[str, str | None]] = frozenset()

    @classmethod
    def of(cls, attributes: Iterable[str], excluded: Iterable[str]) -> "Projection":
        return cls(
            frozenset(map(_attribute_path, attributes)), frozenset(map(_attribute_path, excluded))
        )

    def wants(self, name: str) -> bool:
        """Whether the top-level attribute `name` (lowercase) is returned."""
        if name in ALWAYS_RETURNED:
            return True
        if self.attributes:
            return any(attribute == name for attribute, _ in self.attributes)
        return (name, None) not in self.excluded

    def asks_for(self, name: str, sub: str) -> bool:
        """Whether `attributes` names the sub-attribute (for those returned on request)."""
        return (name, sub) in self.attributes

    def apply(self, resource: dict[str, Any]) -> dict[str, Any]:
        if not self.attributes and not self.excluded:
            return resource
        projected: dict[str, Any] = {}
        for key, value in resource.items():
            name = key.lower()
            if not self.wants(name):
                continue
            if self.attributes:
                subs = {sub for attribute, sub in self.attributes if attribute == name}
                if None not in subs and name not in ALWAYS_RETURNED:
                    value = _only(value, subs)
            else:
                excluded = {sub for attribute, sub in self.excluded if attribute == name and sub}
                if excluded:
                    value = _without(value, excluded)
            projected[key] = value
        return projected


def _attribute_path(text: str) -> tuple[str, str | None]:
    path = text.strip().lower()
    for urn in (USER.lower(), GROUP.lower()):
        if path.startswith(urn + ":"):
            path = path[len(urn) + 1 :]
    attribute, _, sub = path.partition(".")
    return attribute, sub or None


def _only(value: Any, subs: set[str | None]) -> Any:
    if isinstance(value, list):
        return [_only(element, subs) for element in value]
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key.lower() in subs}
    return value


def _without(value: Any, subs: set[str]) -> Any:
    if isinstance(value, list):
        return [_without(element, subs) for element in value]
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key.lower() not in subs}
    return value
