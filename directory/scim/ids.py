"""SCIM ids (RFC 7643 §3.1: "unique across the SCIM service provider's entire set of
resources"). A user's is its directory id ("42", as in the REST API); a group's is its
directory id prefixed with "g" ("g7"), since users and groups are numbered apart and a user
and a group may share a number."""

import re
from dataclasses import replace
from typing import Any

from scim2_models.path import AttrPath, Comparison, FilterNode, LogicalExpr, Not, ValuePath

GROUP_PREFIX = "g"
MAX_ID = 2**63 - 1
_NUMBER = re.compile(r"[0-9]{1,19}")
_GROUP = re.compile(rf"{GROUP_PREFIX}([0-9]{{1,19}})")
# What a group id that is not one becomes in a filter: an integer attribute's value that no
# row has (directory.scim.filters reads a non-integer as equal to nothing).
NO_GROUP = "none"


def group_id(pk: int) -> str:
    return f"{GROUP_PREFIX}{pk}"


def parse_user_id(text: str) -> int | None:
    return int(text) if _NUMBER.fullmatch(text) and 0 < int(text) <= MAX_ID else None


def parse_group_id(text: str) -> int | None:
    match = _GROUP.fullmatch(text)
    return parse_user_id(match.group(1)) if match else None


def _group_value(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    match = _GROUP.fullmatch(value)
    return match.group(1) if match else NO_GROUP


def _names(path: AttrPath, within: str) -> str:
    name = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
    return f"{within}.{name}" if within else name


def group_ids_in_filter(node: FilterNode, group_id_paths: frozenset[str], within: str = "") -> Any:
    """`node` with the group ids its comparisons name as directory ids, for the attributes
    `group_id_paths` ("id" of a Group, "groups.value" of a User)."""
    if isinstance(node, Not):
        return replace(node, expr=group_ids_in_filter(node.expr, group_id_paths, within))
    if isinstance(node, LogicalExpr):
        terms = tuple(group_ids_in_filter(term, group_id_paths, within) for term in node.terms)
        return replace(node, terms=terms)
    if isinstance(node, ValuePath):
        inner = group_ids_in_filter(node.val_filter, group_id_paths, node.attr_path.attr.lower())
        return replace(node, val_filter=inner)
    if isinstance(node, Comparison):
        name = _names(node.attr_path, within)
        if name in group_id_paths or f"{name}.value" in group_id_paths:
            return replace(node, value=_group_value(node.value))
    return node
