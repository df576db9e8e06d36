"""SCIM filters (RFC 7644 §3.4.2.2) as querysets' Q."""

from django.db.models import Q

from directory.scim.errors import INVALID_FILTER, bad_request


def filter_q(resource_type: str, expression: str) -> Q:
    raise bad_request("Filters are not supported yet.", INVALID_FILTER)
