"""Reads. Lists are ordered by the id of what they list, unique in the list: the key of their
keyset pages (directory.pagination).

Each list is a queryset (`user_list`, `group_list`, `member_list`). What the API reads of them
is compiled once (core.compiled), with a `Param` for the request's value: one JSON object per
row (`USER_ROW`, `MEMBER_ROW`, `GROUP_ROW`), validated into UserOut or GroupOut a page at a
time. A user comes with its group ids in the same query (a correlated subquery, evaluated only
for the rows read).
"""

from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from pydantic import TypeAdapter

from core.compiled import BoundQuery, CompiledQuery, Param
from core.expressions import JSONArrayAgg, JSONArrayOrEmpty, JSONDateTime, JSONObject
from directory.models import ContainsAny, SearchText, UserSearch
from directory.schemas import GroupOut, UserOut

Membership = User.groups.through


def _group_ids(user_id: str) -> Subquery:
    return Subquery(
        Membership.objects.filter(user_id=OuterRef(user_id))
        .values("user_id")
        .annotate(ids=JSONArrayAgg("group_id"))
        .values("ids")  # type: ignore[misc]  # django-stubs misses values() after annotate()
    )


def _user_row(user: str = "") -> JSONObject:
    """A user as UserOut reads it, its fields reached by `user` (e.g. "user__") from the
    queryset's model."""
    return JSONObject(
        id=f"{user}id",
        username=f"{user}username",
        email=f"{user}email",
        first_name=f"{user}first_name",
        last_name=f"{user}last_name",
        is_active=f"{user}is_active",
        date_joined=JSONDateTime(f"{user}date_joined"),
        groups=JSONArrayOrEmpty(_group_ids(f"{user}id")),
    )


GROUP_IDS = _group_ids("pk")
USER_ROW = _user_row()
# A user read from a row that refers to it: a membership (member_list), a search entry.
MEMBER_ROW = _user_row("user__")
# SQLite's full-text index matches substrings of this many characters or more (trigrams).
TRIGRAM = 3
GROUP_ROW = JSONObject(id="id", name="name")


def _containing(search: str | Param, user: str = "") -> ContainsAny:
    """The user's username, email or names contain `search`, ignoring case: one `icontains`
    on their SearchText, which PostgreSQL's trigram index on it serves (migration 0007)."""
    fields = ("username", "email", "first_name", "last_name")
    return ContainsAny(SearchText(*(f"{user}{field}" for field in fields)), search)


def user_list(*, search: str | Param | None = None) -> QuerySet[User]:
    """Users whose username, email or names contain `search`, ignoring case."""
    users = User.objects.order_by("id")
    return users.filter(_containing(search)) if search else users


def user_search(*, search: str | Param) -> QuerySet[UserSearch]:
    """`user_list(search=search)` on SQLite, for a `search` of TRIGRAM characters or more: read
    from the full-text index (directory.models.UserSearch) in user id order, instead of
    scanning the users. The index finds every user the search would, and perhaps more (it
    folds the case of all letters, SQLite's LIKE only of ASCII ones): the same `icontains`
    then keeps exactly the users `user_list` finds."""
    return (
        UserSearch.objects.filter(text__match=search)
        .filter(_containing(search, "user__"))
        .order_by("user_id")
    )


def member_list(*, group_id: int | Param) -> QuerySet[Any]:
    """The group's memberships in the order of their users' ids: read from the index on
    (group_id, user_id) (migration 0003), so a page at any depth is an index range, however
    large the group. Starting from the users instead, SQLite reads every membership of the
    group and sorts them for each page."""
    return Membership.objects.filter(group_id=group_id).order_by("user_id")


def group_list(*, search: str | Param | None = None) -> QuerySet[Group]:
    groups = Group.objects.order_by("id")
    return groups.filter(name__icontains=search) if search else groups


USERS = TypeAdapter(list[UserOut])
GROUPS = TypeAdapter(list[GroupOut])


def _rows(queryset: QuerySet[Any, Any], row: JSONObject, out: TypeAdapter[Any]) -> CompiledQuery:
    return CompiledQuery(queryset.values(row=row), rows=out)


# A search term steers the plan (core.compiled.Param): each statement with it is planned for its
# term, as a rare one is read from indexes and a common one in id order.
SEARCH = Param("search", steers_plan=True)
_USER = _rows(User.objects.filter(pk=Param("user_id")), USER_ROW, USERS)
_USERS = _rows(user_list(), USER_ROW, USERS)
_USERS_MATCHING = _rows(user_list(search=SEARCH), USER_ROW, USERS)
_USERS_FOUND = _rows(user_search(search=SEARCH), MEMBER_ROW, USERS)
_MEMBERS = _rows(member_list(group_id=Param("group_id")), MEMBER_ROW, USERS)
_GROUPS = _rows(group_list(), GROUP_ROW, GROUPS)
_GROUPS_MATCHING = _rows(group_list(search=SEARCH), GROUP_ROW, GROUPS)


def user_listing(*, search: str | None = None) -> BoundQuery:
    """What GET /users/ pages."""
    if not search:
        return _USERS.bind()
    if connection.vendor == "sqlite" and len(search) >= TRIGRAM:
        return _USERS_FOUND.bind(search=search)
    return _USERS_MATCHING.bind(search=search)


def member_listing(*, group: Group) -> BoundQuery:
    return _MEMBERS.bind(group_id=group.pk)


def group_listing(*, search: str | None = None) -> BoundQuery:
    return _GROUPS_MATCHING.bind(search=search) if search else _GROUPS.bind()


def user_row(*, user_id: int) -> UserOut | None:
    """One user, as the API shows it."""
    rows: list[UserOut] = _USER.bind(user_id=user_id).rows()
    return rows[0] if rows else None


def user_get(*, user_id: int, for_update: bool = False) -> User | None:
    """The user, with its `group_ids` (what UserOut reads of a User); `for_update`: its row
    locked until the transaction ends (PostgreSQL; SQLite's IMMEDIATE transaction holds the
    database's write lock already)."""
    users = User.objects.annotate(group_ids=GROUP_IDS)
    if for_update:
        users = users.select_for_update(of=("self",))
    return users.filter(pk=user_id).first()


def group_get(*, group_id: int, for_update: bool = False) -> Group | None:
    groups = Group.objects.select_for_update() if for_update else Group.objects
    return groups.filter(pk=group_id).first()
