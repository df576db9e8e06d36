"""The discovery documents (RFC 7644 §4; RFC 7643 §5-7): what this service supports, its
resource types and the schemas of the attributes it maps (docs/scim.md's table)."""

from typing import Any

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

# Pages of lists and searches: at most this many resources (`filter.maxResults`).
MAX_RESULTS = 200
DOCUMENTATION = "https://github.com/ (docs/scim.md of this project)"


def attribute(
    name: str,
    type_: str = "string",
    *,
    multi_valued: bool = False,
    required: bool = False,
    case_exact: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    description: str = "",
    sub_attributes: list[dict[str, Any]] | None = None,
    reference_types: list[str] | None = None,
    canonical_values: list[str] | None = None,
) -> dict[str, Any]:
    """An attribute definition, RFC 7643 §7."""
    definition: dict[str, Any] = {
        "name": name,
        "type": type_,
        "multiValued": multi_valued,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub_attributes is not None:
        definition["subAttributes"] = sub_attributes
    if reference_types is not None:
        definition["referenceTypes"] = reference_types
    if canonical_values is not None:
        definition["canonicalValues"] = canonical_values
    return definition


USER_ATTRIBUTES = [
    attribute(
        "userName",
        required=True,
        uniqueness="server",
        description="The username: unique regardless of case; letters, digits and @.+-_ only.",
    ),
    attribute(
        "name",
        "complex",
        description="The user's name.",
        sub_attributes=[
            attribute("givenName", description="The first name."),
            attribute("familyName", description="The last name."),
        ],
    ),
    attribute(
        "emails",
        "complex",
        multi_valued=True,
        description=(
            "The user's one email address: of those sent, the primary one, else the first. "
            "Returned as its only (so primary) value, of type work."
        ),
        sub_attributes=[
            attribute("value", description="The email address."),
            attribute("type", canonical_values=["work"], description="Always work."),
        ],
    ),
    attribute(
        "active",
        "boolean",
        # Always has a value here, so it cannot be removed; a POST without it creates an
        # active user.
        required=True,
        description="Whether the user may sign in; false revokes tokens. Default true.",
    ),
    attribute(
        "password",
        mutability="writeOnly",
        returned="never",
        case_exact=True,
        description=(
            "Checked by the password validators (AUTH_PASSWORD_VALIDATORS), stored hashed by "
            "Django, never returned. Without one, a new user's password is unusable."
        ),
    ),
    attribute(
        "groups",
        "complex",
        multi_valued=True,
        mutability="readOnly",
        description="The groups the user is a member of (change them on the Group).",
        sub_attributes=[
            attribute("value", mutability="readOnly", description="The group's id."),
            attribute(
                "$ref",
                "reference",
                mutability="readOnly",
                reference_types=["Group"],
                description="The group's URI.",
            ),
            attribute("display", mutability="readOnly", description="The group's name."),
            attribute(
                "type", mutability="readOnly", canonical_values=["direct"], description="direct"
            ),
        ],
    ),
]

GROUP_ATTRIBUTES = [
    attribute(
        "displayName",
        required=True,
        uniqueness="server",
        description="The group's name, unique.",
    ),
    attribute(
        "members",
        "complex",
        multi_valued=True,
        description="The group's members: users only (no nested groups).",
        sub_attributes=[
            attribute("value", mutability="immutable", description="The user's id."),
            attribute(
                "$ref",
                "reference",
                mutability="immutable",
                reference_types=["User"],
                description="The user's URI.",
            ),
            attribute(
                "display",
                mutability="readOnly",
                returned="request",
                description="The user's userName, when asked for (attributes=members.display).",
            ),
            attribute(
                "type", mutability="immutable", canonical_values=["User"], description="User"
            ),
        ],
    ),
]

SCHEMAS = {
    USER: ("User", "User Account", USER_ATTRIBUTES),
    GROUP: ("Group", "Group", GROUP_ATTRIBUTES),
}


def schema(urn: str, base_url: str) -> dict[str, Any]:
    name, description, attributes = SCHEMAS[urn]
    return {
        "schemas": [SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{urn}"},
    }


RESOURCE_TYPES = {
    "User": ("/Users", USER, "User Account"),
    "Group": ("/Groups", GROUP, "Group"),
}


def resource_type(name: str, base_url: str) -> dict[str, Any]:
    endpoint, urn, description = RESOURCE_TYPES[name]
    return {
        "schemas": [RESOURCE_TYPE],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": description,
        "schema": urn,
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/{name}"},
    }


def service_provider_config(base_url: str) -> dict[str, Any]:
    """RFC 7643 §5."""
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "documentationUri": DOCUMENTATION,
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": True},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": (
                    "An access token with the scope `scim` from /o/token/ (RFC 6750), e.g. "
                    "through the client credentials grant."
                ),
                "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }
