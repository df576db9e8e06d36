"""Reads. Lists are ordered by the id of what they list, unique in the list: the key of their
keyset pages (directory.pagination).

Each list is a queryset (`user_list`, `group_list`, `member_list`). What the API reads of them
is compiled once (core.compiled), with a `Param` for the request's value: the columns of its
output schema (`user_columns`, GROUP_COLUMNS), made into that schema's dicts by `user_item`
and `group_item`. A user comes with its group ids in the same query (a correlated subquery,
evaluated only for the rows read).
"""

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import Combinable

from core.compiled import BoundQuery, CompiledQuery, Param
from core.expressions import IdArray, JSONArrayAgg
from directory.models import ContainsAny, SearchText, UserSearch
from directory.schemas import UserOut

Membership = User.groups.through
Item = dict[str, Any]

# The user's group ids, for the ORM (selectors.user_get): JSON, read by its JSONField.
GROUP_IDS = Subquery(
    Membership.objects.filter(user_id=OuterRef("pk"))
    .values("user_id")
    .annotate(ids=JSONArrayAgg("group_id"))
    .values("ids")  # type: ignore[misc]  # django-stubs misses values() after annotate()
)


def user_columns(user: str = "") -> tuple[str | Combinable, ...]:
    """A user's columns in UserOut's order (user_item reads them), reached by `user` (e.g.
    "user__") from the queryset's model."""
    memberships = Membership.objects.filter(user_id=OuterRef(f"{user}id")).values("group_id")
    fields = ("id", "username", "email", "first_name", "last_name", "is_active", "date_joined")
    return (*(user + field for field in fields), IdArray(memberships))


def user_item(row: tuple[Any, ...]) -> Item:
    """UserOut's dict of a row of `user_columns`, as the renderer writes it (tests hold it to
    UserOut, byte for byte)."""
    id_, username, email, first_name, last_name, is_active, date_joined, groups = row
    return {
        "id": id_,
        "username": username,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "is_active": is_active,
        "date_joined": _utc(date_joined),
        "groups": IdArray.ids(groups),
    }


def _utc(value: datetime) -> datetime:
    # SQLite's driver reads Django's UTC datetimes without their zone.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


GROUP_COLUMNS = ("id", "name")


def group_item(row: tuple[Any, ...]) -> Item:
    id_, name = row
    return {"id": id_, "name": name}


# SQLite's full-text index matches substrings of this many characters or more (trigrams).
TRIGRAM = 3


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


def _users(queryset: QuerySet[Any, Any], user: str = "") -> CompiledQuery:
    return CompiledQuery(queryset.values_list(*user_columns(user)), item=user_item)


def _groups(queryset: QuerySet[Group]) -> CompiledQuery:
    return CompiledQuery(queryset.values_list(*GROUP_COLUMNS), item=group_item)


# A search term steers the plan (core.compiled.Param): each statement with it is planned for its
# term, as a rare one is read from indexes and a common one in id order.
SEARCH = Param("search", steers_plan=True)
_USER = _users(User.objects.filter(pk=Param("user_id")))
_USERS = _users(user_list())
_USERS_MATCHING = _users(user_list(search=SEARCH))
_USERS_FOUND = _users(user_search(search=SEARCH), "user__")
_MEMBERS = _users(member_list(group_id=Param("group_id")), "user__")
_GROUPS = _groups(group_list())
_GROUPS_MATCHING = _groups(group_list(search=SEARCH))


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
    rows = _USER.bind(user_id=user_id).rows()
    return UserOut.model_validate(rows[0]) if rows else None


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
