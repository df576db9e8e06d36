"""PATCH (RFC 7644 §3.5.2) on a resource's document (directory.scim.documents): every
operation applied in order to a copy, which is validated and written as a whole afterwards,
so that a request either applies all its operations or none.

Leniencies, each for the client that needs it (docs/scim.md):
- `op` in any case ("Replace", "Add"): Entra ID.
- booleans as strings ("False"): Entra ID (validated by documents.Boolean).
- `replace`/`add` without a path carrying an object, whose keys may be paths themselves
  ("name.givenName"): Okta (`{"active": false}`), Entra ID (dotted keys).
- `add` of a member who is one already, `remove` of one who is not: nothing (Entra ID, Okta).
- `remove` of `members` with a `value` list removes those members (Entra ID, Okta), not all.
- `replace` or `add` of `emails[type eq "work"].value` where the user has no email adds it
  (Entra ID).
- attributes this service does not map (the enterprise extension, `title`, ...) are ignored.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from directory.scim.discovery import PATCH_OP
from directory.scim.documents import (
    COMPLEX,
    MULTI_VALUED,
    READ_ONLY,
    Document,
    attribute_name,
    lowered,
)
from directory.scim.errors import (
    INVALID_PATH,
    INVALID_SYNTAX,
    INVALID_VALUE,
    MUTABILITY,
    NO_TARGET,
    bad_request,
)

OPS = ("add", "remove", "replace")


@dataclass(frozen=True)
class Operation:
    op: str
    path: str | None
    value: Any


@dataclass(frozen=True)
class Target:
    """A parsed PATCH path: `attribute[filter].sub_attribute`, lowercase, URN removed;
    `selects(element)` says whether a multi-valued attribute's element passes the filter
    (None: no filter)."""

    attribute: str
    sub_attribute: str | None = None
    selects: Callable[[dict[str, Any]], bool] | None = None


PathParser = Callable[[str], Target]


def operations(body: Any) -> list[Operation]:
    if not isinstance(body, dict):
        raise bad_request("The body must be a PatchOp message.", INVALID_SYNTAX)
    fields = {key.lower(): value for key, value in body.items()}
    schemas = fields.get("schemas")
    if schemas is not None and PATCH_OP not in (schemas if isinstance(schemas, list) else []):
        raise bad_request(f"schemas must be [{PATCH_OP!r}].", INVALID_SYNTAX)
    listed = fields.get("operations")
    if not isinstance(listed, list) or not listed:
        raise bad_request("Operations must be a non-empty list.", INVALID_SYNTAX)
    parsed = []
    for item in listed:
        if not isinstance(item, dict):
            raise bad_request("Each operation must be an object.", INVALID_SYNTAX)
        item_fields = {key.lower(): value for key, value in item.items()}
        op = item_fields.get("op")
        if not isinstance(op, str) or op.lower() not in OPS:
            raise bad_request(f"op must be one of {', '.join(OPS)}: not {op!r}.", INVALID_SYNTAX)
        path = item_fields.get("path")
        if path is not None and (not isinstance(path, str) or not path.strip()):
            raise bad_request("path must be a non-empty string.", INVALID_PATH)
        parsed.append(Operation(op.lower(), path, item_fields.get("value")))
    return parsed


def patched(
    document: Document,
    ops: list[Operation],
    *,
    attributes: frozenset[str],
    parse_path: PathParser,
) -> Document:
    """A copy of `document` with `ops` applied; `attributes` are the resource's writable
    ones (others are ignored)."""
    result = copy.deepcopy(document)
    for operation in ops:
        if operation.path is None:
            _without_path(result, operation, attributes)
        else:
            target = parse_path(operation.path)
            _apply(result, operation.op, target, lowered(operation.value), attributes)
    return result


def _without_path(document: Document, operation: Operation, attributes: frozenset[str]) -> None:
    """RFC 7644 §3.5.2.1/.3: the value's attributes each added or replaced."""
    if operation.op == "remove":
        raise bad_request("A remove operation needs a path.", NO_TARGET)
    if not isinstance(operation.value, dict):
        raise bad_request("An operation without a path needs an object value.", INVALID_VALUE)
    for key, value in operation.value.items():
        name = attribute_name(key)
        if name in READ_ONLY:
            continue
        attribute, _, sub = name.partition(".")
        target = Target(attribute, sub or None)
        _apply(document, operation.op, target, lowered(value), attributes)


def _apply(
    document: Document, op: str, target: Target, value: Any, attributes: frozenset[str]
) -> None:
    attribute = target.attribute
    if attribute in READ_ONLY:
        raise bad_request(f"{attribute} is read-only.", MUTABILITY)
    if attribute not in attributes:
        return
    if op != "remove" and value is None:
        raise bad_request(f"The {op} operation needs a value.", INVALID_VALUE)
    if attribute in MULTI_VALUED:
        _multi_valued(document, op, target, value)
    elif attribute in COMPLEX:
        _complex(document, op, target, value)
    else:
        if target.sub_attribute is not None or target.selects is not None:
            raise bad_request(f"{attribute} has no sub-attributes.", INVALID_PATH)
        if op == "remove":
            document.pop(attribute, None)
        else:
            document[attribute] = value


def _complex(document: Document, op: str, target: Target, value: Any) -> None:
    if target.selects is not None:
        raise bad_request(f"{target.attribute} is not multi-valued.", INVALID_PATH)
    current = dict(document.get(target.attribute) or {})
    sub = target.sub_attribute
    if sub is not None:
        if op == "remove":
            current.pop(sub, None)
        else:
            current[sub] = value
    elif op == "remove":
        current = {}
    elif isinstance(value, dict):
        current.update(value)  # §3.5.2.3: unspecified sub-attributes stay
    else:
        raise bad_request(f"{target.attribute} needs an object value.", INVALID_VALUE)
    document[target.attribute] = current


def _values(value: Any) -> list[Any]:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if not isinstance(item, dict):
            raise bad_request("Each value of a multi-valued attribute is an object.")
    return values


def _same(one: dict[str, Any], other: dict[str, Any]) -> bool:
    return "value" in one and str(one.get("value")) == str(other.get("value"))


def _multi_valued(document: Document, op: str, target: Target, value: Any) -> None:
    current: list[dict[str, Any]] = list(document.get(target.attribute) or [])
    sub = target.sub_attribute
    if target.selects is None and sub is None:
        if op == "remove" and value is None:
            current = []
        elif op == "remove":
            leaving = _values(value)
            current = [item for item in current if not any(_same(item, x) for x in leaving)]
        elif op == "replace":
            current = _values(value)
        else:
            for item in _values(value):
                existing = next((element for element in current if _same(element, item)), None)
                if existing is None:
                    current.append(item)
                else:
                    existing.update(item)
    else:
        selected = [
            element for element in current if target.selects is None or target.selects(element)
        ]
        if op == "remove":
            if sub is None:
                current = [element for element in current if element not in selected]
            else:
                for element in selected:
                    element.pop(sub, None)
        elif not selected:
            if sub is None:
                raise bad_request(f"No {target.attribute} value matches the path.", NO_TARGET)
            # Entra ID's emails[type eq "work"].value on a user without an email.
            new = {sub: value}
            if target.attribute == "emails":
                new = {"type": "work", "primary": True, **new}
            current.append(new)
        else:
            for element in selected:
                if sub is not None:
                    element[sub] = value
                elif isinstance(value, dict):
                    element.update(value)
                else:
                    raise bad_request(f"{target.attribute} needs an object value.")
    document[target.attribute] = current
