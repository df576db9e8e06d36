"""Reads. Every list is ordered by id so limit/offset pages are stable.

A user comes with its group ids in the same query (a correlated subquery, evaluated only for
the rows of the page), so one user or one page of users is one query. A page is read as one
JSON object per row, which the database writes: no Python object per column.
"""

from typing import Any

import orjson
from django.contrib.auth.models import Group, User
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject

from directory.expressions import JSONArray, JSONArrayOrEmpty, JSONDateTime
from directory.prepared import Listing, PreparedQuery

_Membership = User.groups.through
_GROUP_IDS = Subquery(
    _Membership.objects.filter(user_id=OuterRef("pk"))
    .values("user_id")
    .annotate(ids=JSONArray("group_id"))
    .values("ids")  # type: ignore[misc]  # django-stubs misses values() after annotate()
)


def user_list(*, search: str | None = None) -> QuerySet[User]:
    users = User.objects.annotate(group_ids=_GROUP_IDS).order_by("id")
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    return users


def _user_json() -> JSONObject:
    """A user as UserOut reads it."""
    return JSONObject(
        id="id",
        username="username",
        email="email",
        first_name="first_name",
        last_name="last_name",
        is_active="is_active",
        date_joined=JSONDateTime("date_joined"),
        groups=JSONArrayOrEmpty(_GROUP_IDS),
    )


def user_rows(*, search: str | None = None) -> QuerySet[User, Any]:
    """user_list as UserOut reads it: each row one JSON object, `row`."""
    return user_list(search=search).values(row=_user_json())


def group_rows(*, search: str | None = None) -> QuerySet[Group, Any]:
    return group_list(search=search).values(row=JSONObject(id="id", name="name"))


_USER_BY_ID = PreparedQuery(User, lambda user_id: user_list().filter(pk=user_id), user_id=int)
_USER_ROWS = PreparedQuery(User, lambda: user_rows())
_USER_SEARCH_ROWS = PreparedQuery(User, lambda search: user_rows(search=search), search=str)
_MEMBER_ROWS = PreparedQuery(
    User, lambda group_id: user_rows().filter(groups=group_id), group_id=int
)
_GROUPS = PreparedQuery(Group, lambda: group_rows())
_GROUP_SEARCH = PreparedQuery(Group, lambda search: group_rows(search=search), search=str)


def user_listing(*, search: str | None = None) -> Listing:
    """user_rows, prepared: what GET /users/ pages."""
    if search:
        return Listing(_USER_SEARCH_ROWS, {"search": search})
    return Listing(_USER_ROWS, {})


def group_listing(*, search: str | None = None) -> Listing:
    if search:
        return Listing(_GROUP_SEARCH, {"search": search})
    return Listing(_GROUPS, {})


def group_member_listing(*, group: Group) -> Listing:
    return Listing(_MEMBER_ROWS, {"group_id": group.pk})


def user_get(*, user_id: int) -> User | None:
    user = _USER_BY_ID.first(user_id=user_id)
    if user is not None:  # raw() leaves the annotation as the database's JSON text
        user.group_ids = orjson.loads(user.group_ids or "[]")  # type: ignore[attr-defined]
    return user


def user_ref_get(*, user_id: int) -> User | None:
    """The bare user row, for writes that only need to point at it."""
    return User.objects.filter(pk=user_id).first()


def group_list(*, search: str | None = None) -> QuerySet[Group]:
    groups = Group.objects.order_by("id")
    if search:
        groups = groups.filter(name__icontains=search)
    return groups


def group_get(*, group_id: int) -> Group | None:
    return Group.objects.filter(pk=group_id).first()
