"""SCIM filters (RFC 7644 §3.4.2.2) as Django queries, and PATCH paths (§3.5.2)."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Q
from oauth2_provider.models import Application

from directory.scim import query as scim_query
from directory.scim.filters import (
    GROUP_SCHEMA,
    USER_SCHEMA,
    Attribute,
    InvalidFilter,
    InvalidPath,
    Resource,
    filter_q,
    matches,
    parse_filter,
    parse_path,
)
from tests.factories import ApplicationFactory, GroupFactory, UserFactory

USER = Resource(
    model=User,
    schema=USER_SCHEMA,
    attributes={
        "id": Attribute("id", "integer", case_exact=True),
        "username": Attribute("username"),
        "name.givenname": Attribute("first_name"),
        # caseExact here only to have a case-exact string column to test on.
        "name.familyname": Attribute("last_name", case_exact=True),
        "emails.value": Attribute("email"),
        "emails.type": Attribute(None, constant="work"),
        "emails.primary": Attribute(None, "boolean", constant=True),
        "active": Attribute("is_active", "boolean"),
        "meta.created": Attribute("date_joined", "dateTime"),
        "meta.lastmodified": Attribute("last_login", "dateTime"),
        "meta.location": Attribute(None, "reference"),
        "groups.value": Attribute("groups__id", "integer", multi_valued=True),
        "groups.display": Attribute("groups__name", multi_valued=True),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber": Attribute(
            "last_name"
        ),
    },
)
GROUP = Resource(
    model=Group,
    schema=GROUP_SCHEMA,
    attributes={
        "id": Attribute("id", "integer", case_exact=True),
        "displayname": Attribute("name"),
        "members.value": Attribute("user__id", "integer", case_exact=True, multi_valued=True),
        "members.display": Attribute("user__username", multi_valued=True),
        "members.type": Attribute(None, constant="User"),
    },
)


def users(expression: str) -> list[str]:
    return sorted(
        User.objects.filter(filter_q(expression, USER)).values_list("username", flat=True)
    )


def groups(expression: str) -> list[str]:
    return sorted(Group.objects.filter(filter_q(expression, GROUP)).values_list("name", flat=True))


def shape(expression: str) -> str:
    """The parsed filter, written back with the parentheses its precedence implies."""
    return str(parse_filter(expression))


# Parsing


@pytest.mark.parametrize(
    ("expression", "parsed"),
    [
        ("a eq 1 or b eq 2 and c eq 3", "a eq 1 or b eq 2 and c eq 3"),
        ("(a eq 1 or b eq 2) and c eq 3", "(a eq 1 or b eq 2) and c eq 3"),
        ("not (a pr) and b pr", "not (a pr) and b pr"),
        ("not(a pr or b pr)", "not (a pr or b pr)"),
        ('a EQ "x" AND b Ne "y" oR NOT (c PR)', 'a eq "x" and b ne "y" or not (c pr)'),
        ('title eq "say \\"hi\\" \\\\ \\u00e9"', 'title eq "say \\"hi\\" \\\\ \\u00e9"'),
        (
            "a eq TRUE and b eq False and c eq null and d eq 1.5",
            "a eq true and b eq false and c eq null and d eq 1.5",
        ),
        (
            'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "x"',
            'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "x"',
        ),
        (
            'emails[type eq "work" and value co "@example.com"] or userName sw "a"',
            'emails[type eq "work" and value co "@example.com"] or userName sw "a"',
        ),
        # Entra ID's form, read as the value path it means.
        ('emails[type eq "work"].value eq "x"', 'emails[type eq "work" and value eq "x"]'),
    ],
)
def test_filters_parse_with_the_rfc_precedence_and_literals(
    expression: str, parsed: str | None
) -> None:
    assert shape(expression) == (parsed or expression)


def test_and_binds_tighter_than_or_and_not_tighter_than_and() -> None:
    tree = parse_filter("a pr or b pr and not (c pr)")
    assert tree.op == "or"  # type: ignore[attr-defined]
    assert str(tree.terms[1]) == "b pr and not (c pr)"  # type: ignore[attr-defined]


def test_string_literals_keep_their_json_escapes_decoded() -> None:
    tree = parse_filter('userName eq "a\\"b\\\\c\\u00e9"')
    assert tree.value == 'a"b\\cé'  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("expression", "detail"),
    [
        ("userName eq", "invalid syntax at column"),
        ('userName regex "x"', "invalid syntax"),
        ('userName eq "x" and', "invalid syntax"),
        ('(userName eq "x"', "invalid syntax"),
        ('userName eq "unterminated', "invalid syntax"),
        ("userName eq 'single'", "invalid syntax"),
        ('emails[type eq "work"', "invalid syntax"),
        ("", "invalid syntax"),
    ],
)
def test_malformed_filters_are_invalid_with_the_column(expression: str, detail: str) -> None:
    with pytest.raises(InvalidFilter, match=detail) as raised:
        parse_filter(expression)
    assert raised.value.scim_type == "invalidFilter"
    assert repr(expression) in str(raised.value)


def test_a_filter_of_more_than_a_hundred_comparisons_is_refused() -> None:
    with pytest.raises(InvalidFilter, match="at most 100"):
        parse_filter(" or ".join(f'userName eq "u{n}"' for n in range(101)))


# Meaning, on the database


@pytest.fixture
def people(db: None) -> dict[str, User]:
    return {
        "alice": UserFactory.create(
            username="Alice", first_name="Alice", last_name="Smith", email="alice@example.com"
        ),
        "bob": UserFactory.create(
            username="bob", first_name="Bob", last_name="smith", email="bob@work.example.org"
        ),
        "carol": UserFactory.create(
            username="carol", first_name="", last_name="Jones", email="", is_active=False
        ),
    }


USER_CASES = [
    ('userName eq "alice"', ["Alice"]),
    ('USERNAME EQ "ALICE"', ["Alice"]),
    ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "BOB"', ["bob"]),
    ('userName ne "alice"', ["bob", "carol"]),
    ('userName co "LI"', ["Alice"]),
    ('userName sw "B"', ["bob"]),
    ('userName ew "OL"', ["carol"]),
    ('userName co "%"', []),
    ('userName co "_"', []),
    ('userName gt "b"', ["bob", "carol"]),
    ('userName ge "bob"', ["bob", "carol"]),
    ('userName lt "BOB"', ["Alice"]),
    ('userName le "bob"', ["Alice", "bob"]),
    ('name.familyName eq "smith"', ["bob"]),
    ('name.familyName co "mit"', ["Alice", "bob"]),
    ('name.familyName sw "S"', ["Alice"]),
    ('name.familyName ew "TH"', []),
    ("name.givenName pr", ["Alice", "bob"]),
    ("not (name.givenName pr)", ["carol"]),
    ("name.givenName eq null", ["carol"]),
    ("name.givenName ne null", ["Alice", "bob"]),
    ("emails pr", ["Alice", "bob"]),
    ('emails co "example.com"', ["Alice"]),
    ('emails.value ew ".ORG"', ["bob"]),
    ('emails[type eq "work" and value co "@work."]', ["bob"]),
    ('emails[type eq "home"]', []),
    ('emails[type eq "work"]', ["Alice", "bob"]),
    ('emails[not (type eq "home")]', ["Alice", "bob"]),
    ('emails.type eq "work"', ["Alice", "bob"]),
    ('emails.type ne "work"', ["carol"]),
    ("emails[primary eq true]", ["Alice", "bob"]),
    ('emails[type eq "work"].value eq "BOB@work.example.org"', ["bob"]),
    ("active eq true", ["Alice", "bob"]),
    ('active eq "False"', ["carol"]),
    ('active eq "TRUE"', ["Alice", "bob"]),
    ("active ne true", ["carol"]),
    ('userName eq "bob" or userName eq "carol" and active eq true', ["bob"]),
    ('(userName eq "bob" or userName eq "carol") and active eq false', ["carol"]),
    ('not (userName eq "bob") and not (active eq false)', ["Alice"]),
    ('not (userName eq "bob" or active eq false)', ["Alice"]),
    (
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "Jones"',
        ["carol"],
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("expression", "expected"), USER_CASES)
def test_filters_select_the_users_they_describe(
    people: dict[str, User], expression: str, expected: list[str]
) -> None:
    assert users(expression) == expected


def scim_user(user: User) -> dict[str, object]:
    """A user as the SCIM endpoint shows it (RFC 7643 §4.1), for `matches`."""
    shown: dict[str, object] = {
        "id": str(user.pk),
        "userName": user.username,
        "name": {"givenName": user.first_name, "familyName": user.last_name},
        "active": user.is_active,
        "groups": [{"value": str(g.pk), "display": g.name} for g in user.groups.all()],
        "meta": {"created": user.date_joined.isoformat()},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": user.last_name
        },
    }
    if user.email:
        shown["emails"] = [{"value": user.email, "type": "work", "primary": True}]
    return shown


@pytest.mark.django_db
def test_matches_in_memory_agrees_with_the_database(people: dict[str, User]) -> None:
    shown = {user.username: scim_user(user) for user in User.objects.all()}
    for expression, expected in USER_CASES:
        matched = sorted(name for name, user in shown.items() if matches(expression, user, USER))
        assert matched == expected, expression


@pytest.mark.django_db
def test_ids_are_strings_and_one_that_is_no_integer_matches_nothing(
    people: dict[str, User],
) -> None:
    bob = people["bob"].pk
    assert users(f'id eq "{bob}"') == ["bob"]
    assert users(f"id eq {bob}") == ["bob"]
    assert users('id eq "abc"') == []
    assert users('id ne "abc"') == ["Alice", "bob", "carol"]
    assert users('id eq "99999999999999999999999"') == []
    assert users(f'id co "{bob}"') == ["bob"]
    assert users(f'id gt "{bob}"') == ["carol"]
    with pytest.raises(InvalidFilter, match="integer"):
        users('id gt "abc"')


@pytest.mark.django_db
def test_datetimes_compare_in_iso_8601_with_any_offset(people: dict[str, User]) -> None:
    User.objects.filter(pk=people["alice"].pk).update(
        date_joined=datetime(2020, 1, 1, 12, tzinfo=UTC)
    )
    User.objects.exclude(pk=people["alice"].pk).update(date_joined=datetime(2024, 6, 1, tzinfo=UTC))
    assert users('meta.created lt "2021-01-01T00:00:00Z"') == ["Alice"]
    assert users('meta.created ge "2020-01-01T13:00:00+01:00"') == ["Alice", "bob", "carol"]
    assert users('meta.created gt "2020-01-01T13:00:00+01:00"') == ["bob", "carol"]
    assert users('meta.created eq "2020-01-01T12:00:00"') == ["Alice"]
    assert users("meta.lastModified pr") == []
    assert users('meta.lastModified lt "2030-01-01T00:00:00Z"') == []
    assert users('not (meta.lastModified lt "2030-01-01T00:00:00Z")') == [
        "Alice",
        "bob",
        "carol",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("expression", "detail"),
    [
        ('nickName eq "x"', "no attribute 'nickName'"),
        ('name.middleName eq "x"', "no attribute 'name.middleName'"),
        ('urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"', "no attribute"),
        ('meta.location eq "x"', "cannot be filtered on"),
        ('active eq "x"', "'active' is a boolean: it cannot be compared with 'x'"),
        ("active gt true", "'gt' does not apply to 'active', a boolean"),
        ("userName eq 5", "'username' is a string"),
        ("userName eq true", "'username' is a string"),
        ('meta.created co "2020"', "'co' does not apply to 'meta.created', a dateTime"),
        ('meta.created gt "yesterday"', "'yesterday' is not an ISO 8601 dateTime"),
        ("meta.created gt 5", "'meta.created' is a dateTime"),
        ("userName gt null", "null compares only with 'eq' or 'ne'"),
        ('userName[value eq "x"]', "has no values to filter"),
        ('name.givenName[value eq "x"]', "cannot apply to the sub-attribute 'name.givenName'"),
    ],
)
def test_filters_the_resource_cannot_answer_are_invalid(
    people: dict[str, User], expression: str, detail: str
) -> None:
    with pytest.raises(InvalidFilter, match=detail.replace("(", r"\(")):
        users(expression)


APPLICATIONS = Resource(
    model=Application,
    schema="urn:example:params:scim:schemas:Application",
    attributes={"name": Attribute("name"), "owner": Attribute("user__username")},
)


@pytest.mark.django_db
def test_an_attribute_across_a_missing_relation_is_false_never_unknown() -> None:
    """An application without an owner reads NULL through its LEFT JOIN: `owner eq "x"` is
    false for it, so `ne` and `not` include it, as they do an empty attribute."""
    ApplicationFactory.create(name="owned", user=UserFactory.create(username="Alice"))
    ApplicationFactory.create(name="orphan", user=None)

    def apps(expression: str) -> list[str]:
        rows = Application.objects.filter(filter_q(expression, APPLICATIONS))
        return sorted(rows.values_list("name", flat=True))

    assert apps('owner eq "ALICE"') == ["owned"]
    assert apps('owner ne "alice"') == ["orphan"]
    assert apps('not (owner eq "alice")') == ["orphan"]
    assert apps('not (owner co "LIC")') == ["orphan"]
    assert apps('not (owner gt "a")') == ["orphan"]
    assert apps("owner pr") == ["owned"]
    assert apps("not (owner pr)") == ["orphan"]


# Multi-valued attributes


@pytest.fixture
def teams(people: dict[str, User]) -> dict[str, Group]:
    staff = GroupFactory.create(name="Staff")
    admins = GroupFactory.create(name="admins")
    GroupFactory.create(name="empty")
    staff.user_set.add(people["alice"], people["bob"], people["carol"])
    admins.user_set.add(people["alice"])
    return {"staff": staff, "admins": admins}


@pytest.mark.django_db
def test_a_multi_valued_attribute_matches_when_any_value_does_each_row_once(
    people: dict[str, User], teams: dict[str, Group]
) -> None:
    staff, admins = teams["staff"].pk, teams["admins"].pk
    assert users(f'groups eq "{staff}"') == ["Alice", "bob", "carol"]
    assert users(f'groups.value eq "{staff}" or groups.value eq "{admins}"') == [
        "Alice",
        "bob",
        "carol",
    ]
    assert users('groups.display co "a"') == ["Alice", "bob", "carol"]
    assert users("groups pr") == ["Alice", "bob", "carol"]
    assert groups("members pr") == ["Staff", "admins"]
    assert groups("not (members pr)") == ["empty"]
    alice = people["alice"].pk
    assert groups(f'members[value eq "{alice}"]') == ["Staff", "admins"]
    assert groups(f'members eq "{alice}" and displayName eq "STAFF"') == ["Staff"]
    # Rows come once each, however many of their values match.
    query = User.objects.filter(filter_q('groups.display co "a" or userName pr', USER))
    assert query.count() == len(set(query.values_list("pk", flat=True))) == 3


@pytest.mark.django_db
def test_ne_on_a_multi_valued_attribute_means_no_value_is_equal(
    people: dict[str, User], teams: dict[str, Group]
) -> None:
    admins = teams["admins"].pk
    assert users(f'groups.value ne "{admins}"') == ["bob", "carol"]
    assert users(f'not (groups.value eq "{admins}")') == ["bob", "carol"]


@pytest.mark.django_db
def test_a_value_filter_holds_for_one_and_the_same_value(
    people: dict[str, User], teams: dict[str, Group]
) -> None:
    alice, bob = people["alice"].pk, people["bob"].pk
    # A member who is alice and is called bob: nobody, where the two halves apart match.
    assert groups(f'members[value eq "{alice}" and display eq "bob"]') == []
    assert groups(f'members.value eq "{alice}" and members.display eq "bob"') == ["Staff"]
    assert groups(f'members[value eq "{bob}" or display eq "ALICE"]') == ["Staff", "admins"]
    assert groups(f'members[not (value eq "{alice}")]') == ["Staff"]
    assert groups('members[type eq "User"]') == ["Staff", "admins"]
    assert groups('members[type eq "Group"]') == []
    with pytest.raises(InvalidFilter, match="no attribute 'userName'"):
        groups('members[userName eq "x"]')


@pytest.mark.django_db
def test_group_display_names_compare_without_case(teams: dict[str, Group]) -> None:
    assert groups('displayName eq "staff"') == ["Staff"]
    assert groups('DISPLAYNAME eq "ADMINS"') == ["admins"]
    assert groups('displayName co "MIN"') == ["admins"]


@pytest.mark.django_db
def test_the_filters_entra_id_and_okta_send_find_what_they_look_for() -> None:
    """The queries of Microsoft Entra ID's provisioning (its SCIM validator's requests) and
    Okta's: a user by userName before creating it, a group by displayName, and whether a
    user is a member of a group."""
    user = UserFactory.create(username="Test_User_dfeef4c5@contoso.com")
    team = GroupFactory.create(name="Group1DisplayName")
    team.user_set.add(user)
    GroupFactory.create(name="other")
    assert users('userName eq "test_user_DFEEF4C5@contoso.com"') == [user.username]
    assert users('userName eq "Test_User_dfeef4c5@contoso.com"') == [user.username]
    assert groups('displayName eq "Group1DisplayName"') == ["Group1DisplayName"]
    assert groups(f'id eq "{team.pk}" and members eq "{user.pk}"') == ["Group1DisplayName"]
    assert groups(f'id eq "{team.pk}" and members eq "{user.pk + 1000}"') == []
    assert groups(f'members[value eq "{user.pk}"]') == ["Group1DisplayName"]


def test_a_filter_compiles_to_a_q_the_orm_can_combine() -> None:
    q = filter_q('userName eq "x"', USER)
    assert isinstance(q, Q)
    assert "LOWER" in str(User.objects.filter(q & Q(is_staff=False)).query)


# In memory, and PATCH paths


ALICE = {
    "userName": "Alice",
    "name": {"givenName": "Alice", "familyName": "Smith"},
    "emails": [{"value": "alice@example.com", "type": "work", "primary": True}],
    "active": True,
    "groups": [{"value": "1", "display": "Staff"}, {"value": "2", "display": "admins"}],
    "meta": {"created": "2020-01-01T12:00:00Z"},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('username eq "ALICE"', True),
        ('name.familyName eq "smith"', False),
        ('name.familyName co "mi"', True),
        ('emails[type eq "work" and value ew "EXAMPLE.COM"]', True),
        ('emails[type eq "home"]', False),
        ('emails.type eq "work"', True),
        ('active eq "true"', True),
        ('groups eq "2"', True),
        ('groups.value ne "2"', False),
        ('groups.value ne "3"', True),
        ('groups.display sw "st" and not (groups.display eq "x")', True),
        ('meta.created lt "2020-01-01T13:00:00+00:00"', True),
        ("meta.lastModified pr", False),
        ("meta.lastModified eq null", True),
        ('id eq "abc"', False),
    ],
)
def test_matches_follows_the_rules_of_the_database(expression: str, expected: bool) -> None:
    assert matches(expression, ALICE, USER) is expected


@pytest.mark.parametrize(
    ("path", "attribute", "value_filter", "sub_attribute"),
    [
        ("userName", "username", None, None),
        ("name.givenName", "name.givenname", None, None),
        ("name", "name", None, None),
        ("members", "members", None, None),
        (f"{USER_SCHEMA}:active", "active", None, None),
        ('emails[type eq "work"].value', "emails", 'type eq "work"', "value"),
        ('emails[TYPE EQ "work"]', "emails", 'TYPE eq "work"', None),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber",
            None,
            None,
        ),
    ],
)
def test_patch_paths_name_an_attribute_a_filter_and_a_sub_attribute(
    path: str, attribute: str, value_filter: str | None, sub_attribute: str | None
) -> None:
    resource = GROUP if path == "members" else USER
    parsed = parse_path(path, resource)
    assert parsed.attribute == attribute
    assert (str(parsed.filter) if parsed.filter else None) == value_filter
    assert parsed.sub_attribute == sub_attribute


def test_a_member_filter_picks_the_values_a_patch_acts_on() -> None:
    path = parse_path('members[value eq "42" or display sw "AL"]', GROUP)
    members: list[dict[str, object]] = [
        {"value": "42", "display": "zed"},
        {"value": "7", "display": "alice"},
        {"value": "8", "display": "bob"},
        {"value": 42},
    ]
    assert [member for member in members if path.matches(member)] == [
        members[0],
        members[1],
        members[3],
    ]
    assert matches('value eq "8"', members[2], GROUP, within="members")
    assert matches('type eq "User"', members[2], GROUP, within="members")
    assert not matches('type eq "User"', {"display": "no value"}, GROUP, within="members")
    assert parse_path("members", GROUP).matches(members[2])


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("", "invalid syntax"),
        ('members[value eq "42"', "invalid syntax"),
        ("nickName", "no attribute 'nickName'"),
        ('displayName eq "x"', "is a filter, not an attribute"),
        ('members[value eq "42"].nickName', "no sub-attribute 'nickName'"),
        ('members[nickName eq "x"]', "no attribute 'nickName'"),
        ('displayName[value eq "x"]', "has no values to filter"),
        ("members[value gt true]", "'members.value' is a integer"),
    ],
)
def test_invalid_patch_paths_are_invalid_path(path: str, detail: str) -> None:
    with pytest.raises(InvalidPath, match=detail.replace("[", r"\[")) as raised:
        parse_path(path, GROUP)
    assert raised.value.scim_type == "invalidPath"


# Indexes, at the size of a large directory

USERS, GROUPS = 100_000, 10_000
SERIES = {
    # A recursive CTE on SQLite, generate_series on PostgreSQL: the rows come from the
    # database itself, in one statement each.
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
    "SELECT i FROM n",
    "postgresql": "SELECT i FROM generate_series(1, %s) AS n(i)",
}


@pytest.fixture
def directory_of_a_hundred_thousand(db: None) -> None:
    """10^5 users in 10^4 groups, with the statistics the planner reads."""
    rows = f"FROM ({SERIES[connection.vendor]}) AS s"
    users = (
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
        " email, is_staff, is_active, date_joined)"
        " SELECT '!', FALSE, 'user' || i, 'First', 'Last' || i, 'u' || i || '@example.com',"
        f" FALSE, TRUE, CURRENT_TIMESTAMP {rows}"
    )
    with connection.cursor() as cursor:
        cursor.execute(users, [USERS])
        cursor.execute(f"INSERT INTO auth_group (name) SELECT 'Group ' || i {rows}", [GROUPS])
        cursor.execute("ANALYZE auth_user")
        cursor.execute("ANALYZE auth_group")


def plan(resource: Resource, expression: str) -> str:
    query = resource.model._default_manager.filter(filter_q(expression, resource)).values("pk")
    sql, params = query.query.sql_with_params()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


NAME_LOOKUPS = [
    (USER, 'userName eq "USER77777"', "directory_user_username_lower_uniq"),
    (USER, f'{USER_SCHEMA}:userName Eq "user77777"', "directory_user_username_lower_uniq"),
    (GROUP, 'displayName eq "group 7777"', "directory_group_name_lower"),
]


def test_at_a_hundred_thousand_users_filters_read_indexes(
    directory_of_a_hundred_thousand: None,
) -> None:
    """(One test: filling the directory is most of its time.)

    `eq` on a name: SQLite and PostgreSQL both choose the index on lower(…), the filter's own
    expression. `co` on PostgreSQL: Django's icontains, `UPPER(col::text) LIKE UPPER(…)`, the
    trigram indexes' expression (migration 0001). `groups eq "5"`: group 5's memberships,
    then those users by id (`pk IN (…)`, where a correlated EXISTS has SQLite probe every
    user); negated, `NOT EXISTS`, an anti-join on PostgreSQL (`NOT IN` is one only while its
    subquery fits in work_mem)."""
    for resource, expression, index in NAME_LOOKUPS:
        table = resource.model._meta.db_table
        explained = plan(resource, expression)
        if connection.vendor == "sqlite":
            assert f"SEARCH {table} USING INDEX {index} (<expr>=?)" in explained, explained
        else:
            assert f"Index Scan using {index} on {table}" in explained, explained
        assert resource.model._default_manager.filter(filter_q(expression, resource)).count() == 1
    if connection.vendor == "sqlite":
        explained = plan(USER, 'groups.value eq "5"')
        assert "SEARCH auth_user USING INTEGER PRIMARY KEY (rowid=?)" in explained, explained
    else:
        explained = plan(USER, 'userName co "R7777"')
        assert "Bitmap Index Scan on directory_user_username_trgm" in explained, explained
        explained = plan(USER, "not (groups pr)")
        assert "Anti Join" in explained, explained


@pytest.mark.parametrize(
    ("resource_type", "table", "source"),
    [
        ("User", "directory_userexternalid", "auth_user"),
        ("Group", "directory_groupexternalid", "auth_group"),
    ],
)
def test_at_a_hundred_thousand_users_an_external_id_filter_reads_its_unique_index(
    directory_of_a_hundred_thousand: None, resource_type: str, table: str, source: str
) -> None:
    """Entra ID and Okta look a resource up by `externalId eq` before every change: the
    endpoint's own filter (directory.scim.query) reads the unique index, then one row by id."""
    owner = "user_id" if resource_type == "User" else "group_id"
    with connection.cursor() as cursor:
        # Every user or group gets one; ids need not start at 1 (sequences outlive tests).
        cursor.execute(
            f"INSERT INTO {table} ({owner}, external_id) SELECT id, 'ext-' || id FROM {source}"  # noqa: S608
        )
        cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"SELECT id FROM {source} ORDER BY id LIMIT 1 OFFSET 7776")  # noqa: S608
        (target,) = cursor.fetchone()
    model = scim_query.RESOURCES[resource_type].model
    query = model._default_manager.filter(
        scim_query.filter_q(resource_type, f'externalId eq "ext-{target}"')
    ).values("pk")
    sql, params = query.query.sql_with_params()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        explained = "\n".join(str(row[-1]) for row in cursor.fetchall())
    if connection.vendor == "sqlite":
        assert re.search(
            rf"SEARCH {table} USING (COVERING )?INDEX \S+ \(external_id=\?\)", explained
        )
        assert f"SCAN {source}" not in explained, explained
    else:
        assert re.search(rf"Index (Only )?Scan using {table}_external_id\w* on {table}", explained)
        assert f"Seq Scan on {source}" not in explained, explained
    assert list(query) == [{"pk": target}]
