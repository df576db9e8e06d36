"""Lists and searches (RFC 7644 §3.4): filters, 1-based pages with totalResults, attribute
projection, POST .search; and the discovery endpoints (§4)."""

from urllib.parse import quote

import pytest
from django.test import Client

from tests.factories import GroupFactory, UserFactory
from tests.scim import (
    GROUP_SCHEMA,
    LIST,
    USER_SCHEMA,
    Scim,
    error_of,
    provisioning_client,
    scim_token,
)

pytestmark = pytest.mark.django_db
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@pytest.fixture
def scim(client: Client) -> Scim:
    return Scim(client, scim_token(provisioning_client()))


def _usernames(body: dict[str, object]) -> list[str]:
    return [resource["userName"] for resource in body["Resources"]]  # type: ignore[attr-defined]


def test_pages_are_1_based_with_total_results(scim: Scim) -> None:
    for n in range(5):
        UserFactory.create(username=f"u{n}")
    page = scim.get("/Users?startIndex=2&count=2&filter=" + quote('userName sw "u"')).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert _usernames(page) == ["u1", "u2"]
    only_total = scim.get("/Users?count=0").json()
    assert (only_total["totalResults"], only_total["Resources"]) == (6, [])
    beyond = scim.get("/Users?startIndex=100").json()
    assert (beyond["totalResults"], beyond["itemsPerPage"]) == (6, 0)
    assert scim.get("/Users?startIndex=0&count=-3").json()["startIndex"] == 1
    assert error_of(scim.get("/Users?count=many")) == (400, "invalidValue")


def test_filters_follow_the_schemas_case_rules(scim: Scim) -> None:
    UserFactory.create(username="Barbara", first_name="Barbara", email="bjensen@example.com")
    UserFactory.create(username="other", first_name="barbara", is_active=False)
    cases = {
        'userName eq "BARBARA"': ["Barbara"],
        'name.givenName eq "barbara" and active eq false': ["other"],
        'emails[type eq "work"].value co "JENSEN"': ["Barbara"],
        'not (userName eq "barbara") and userName ne "provisioner"': ["other"],
    }
    for expression, expected in cases.items():
        assert _usernames(scim.get("/Users?filter=" + quote(expression)).json()) == expected


def test_an_invalid_filter_is_400_invalid_filter(scim: Scim) -> None:
    for expression in ("userName eq", 'nope eq "x"', "active gt true"):
        assert error_of(scim.get("/Users?filter=" + quote(expression))) == (400, "invalidFilter")


def test_attributes_and_excluded_attributes(scim: Scim) -> None:
    user = UserFactory.create(username="x", first_name="F")
    only = scim.get(f"/Users/{user.pk}?attributes=userName,name.givenName").json()
    assert only == {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": "x",
        "name": {"givenName": "F"},
    }
    prefixed = scim.get(f"/Users/{user.pk}?attributes={USER_SCHEMA}:userName").json()
    assert set(prefixed) == {"schemas", "id", "userName"}
    without = scim.get(f"/Users/{user.pk}?excludedAttributes=meta,name.familyName").json()
    assert "meta" not in without
    assert "familyName" not in without["name"]
    assert without["userName"] == "x"


def test_post_search_on_users_and_at_the_root(scim: Scim) -> None:
    UserFactory.create(username="ops-user")
    GroupFactory.create(name="ops")
    body = {
        "schemas": [SEARCH],
        "filter": 'userName eq "ops-user"',
        "attributes": ["userName"],
        "startIndex": 1,
        "count": 10,
    }
    users = scim.post("/Users/.search", body).json()
    assert users["schemas"] == [LIST]
    assert users["Resources"] == [
        {"schemas": [USER_SCHEMA], "id": users["Resources"][0]["id"], "userName": "ops-user"}
    ]
    groups = scim.post("/Groups/.search", {"schemas": [SEARCH], "filter": 'displayName eq "OPS"'})
    assert [g["displayName"] for g in groups.json()["Resources"]] == ["ops"]
    everything = scim.post("/.search", {"schemas": [SEARCH], "count": 50}).json()
    kinds = [resource["schemas"][0] for resource in everything["Resources"]]
    assert everything["totalResults"] == 3  # the provisioner, ops-user, ops
    assert kinds == [USER_SCHEMA, USER_SCHEMA, GROUP_SCHEMA]
    only_groups = scim.post("/.search", {"schemas": [SEARCH], "filter": 'displayName sw "o"'})
    assert only_groups.json()["totalResults"] == 1
    assert error_of(scim.post("/.search", {"filter": 'nope eq "x"'})) == (400, "invalidFilter")


def test_service_provider_config_resource_types_and_schemas(scim: Scim) -> None:
    config = scim.get("/ServiceProviderConfig").json()
    assert config["patch"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert config["etag"] == {"supported": True}
    assert not config["bulk"]["supported"]
    assert not config["sort"]["supported"]
    assert config["changePassword"]["supported"]
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.get("/ResourceTypes").json()
    assert [t["id"] for t in types["Resources"]] == ["User", "Group"]
    assert scim.get("/ResourceTypes/User").json()["endpoint"] == "/Users"
    schemas = scim.get("/Schemas").json()
    assert [s["id"] for s in schemas["Resources"]] == [USER_SCHEMA, GROUP_SCHEMA]
    user_schema = scim.get(f"/Schemas/{USER_SCHEMA}").json()
    by_name = {a["name"]: a for a in user_schema["attributes"]}
    assert by_name["userName"]["uniqueness"] == "server"
    assert by_name["userName"]["caseExact"] is False
    assert by_name["password"]["mutability"] == "writeOnly"
    assert by_name["password"]["returned"] == "never"
    assert by_name["groups"]["mutability"] == "readOnly"
    assert error_of(scim.get("/Schemas/urn:nope")) == (404, None)


def test_members_display_is_returned_on_request(scim: Scim) -> None:
    group = GroupFactory.create()
    member = UserFactory.create(username="m")
    group.user_set.add(member)
    plain = scim.get(f"/Groups/g{group.pk}").json()["members"]
    assert plain == [
        {
            "value": str(member.pk),
            "$ref": f"http://testserver/scim/v2/Users/{member.pk}",
            "type": "User",
        }
    ]
    asked = scim.get(f"/Groups/g{group.pk}?attributes=members.value,members.display").json()
    assert asked["members"] == [{"value": str(member.pk), "display": "m"}]


def test_ids_are_unique_across_users_and_groups(scim: Scim) -> None:
    """RFC 7643 §3.1: a group's id is its directory id prefixed with "g"."""
    user = UserFactory.create()
    group = GroupFactory.create()
    group.user_set.add(user)
    assert scim.get(f"/Groups/g{group.pk}").json()["id"] == f"g{group.pk}"
    assert error_of(scim.get(f"/Groups/{group.pk}")) == (404, None)
    assert scim.get(f"/Users/{user.pk}").json()["groups"][0]["value"] == f"g{group.pk}"
    by_id = scim.get("/Groups?filter=" + quote(f'id eq "g{group.pk}"')).json()
    assert by_id["totalResults"] == 1
    assert scim.get("/Groups?filter=" + quote(f'id eq "{group.pk}"')).json()["totalResults"] == 0
    members_of = scim.get("/Users?filter=" + quote(f'groups[value eq "g{group.pk}"]')).json()
    assert [u["id"] for u in members_of["Resources"]] == [str(user.pk)]
    everything = scim.post("/.search", {"count": 50}).json()["Resources"]
    ids = [resource["id"] for resource in everything]
    assert len(ids) == len(set(ids))
