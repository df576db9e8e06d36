"""PATCH paths (RFC 7644 §3.5.2), read by directory.scim.filters.parse_path, as
directory.scim.patch's Targets."""

import re
from collections.abc import Callable

from directory.scim.documents import READ_ONLY, attribute_name
from directory.scim.errors import INVALID_PATH, ScimError
from directory.scim.filters import InvalidPath, parse_path
from directory.scim.patch import Target
from directory.scim.query import RESOURCES

HEAD = re.compile(r"[^\[.]*")


def parse_target(resource_type: str, writable: frozenset[str]) -> Callable[[str], Target]:
    """A path whose attribute this service neither maps nor shows (the enterprise extension,
    `title`, ...) is a Target the PATCH ignores (directory.scim.documents)."""
    resource = RESOURCES[resource_type]

    def parse(path: str) -> Target:
        name = attribute_name(path)
        head = HEAD.match(name)
        attribute = head.group() if head else name
        if attribute not in writable and attribute not in READ_ONLY:
            return Target(attribute)
        try:
            parsed = parse_path(path, resource)
        except InvalidPath as exc:
            raise ScimError(400, str(exc), INVALID_PATH) from exc
        top, _, sub = parsed.attribute.partition(".")
        selects = parsed.matches if parsed.filter is not None else None
        return Target(top, parsed.sub_attribute or sub or None, selects)

    return parse
