"""PATCH paths (RFC 7644 §3.5.2) as directory.scim.patch's Targets."""

from collections.abc import Callable

from directory.scim.documents import attribute_name
from directory.scim.errors import INVALID_PATH, bad_request
from directory.scim.patch import Target


def parse_target(resource_type: str) -> Callable[[str], Target]:
    def parse(path: str) -> Target:
        if "[" in path:
            raise bad_request("Value filters in paths are not supported yet.", INVALID_PATH)
        name = attribute_name(path)
        attribute, _, sub = name.partition(".")
        return Target(attribute, sub or None)

    return parse
