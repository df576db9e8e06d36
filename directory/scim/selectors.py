"""Reads of the SCIM view: users and groups with what their SCIM representation adds to the
REST API's (directory.selectors): `externalId`, and `meta.created`/`meta.lastModified`.

Neither model has a modification time, and a field added to auth_user would be written by
every path that saves a user (the admin, shells) only through more receivers. The audit trail
already records every change on every path (directory.audit), so a resource's lastModified is
its latest event's time (index audit_event_target_at). A group's created time is its
group.created event's. Where the events are gone (pruned by `audit_prune`, or the resource
predates the trail), lastModified falls back to created, and a group's created is unknown
(omitted: RFC 7643 §3.1 lets the service provider leave meta attributes out).
"""

from typing import Any

from django.contrib.auth.models import Group, User
from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from audit.models import Action, AuditEvent
from directory.selectors import GROUP_IDS

Membership = User.groups.through


def _event_time(target_type: str, *, first: bool = False, action: str | None = None) -> Subquery:
    events = AuditEvent.objects.filter(
        target_type=target_type, target_id=Cast(OuterRef("pk"), CharField())
    )
    if action is not None:
        events = events.filter(action=action)
    return Subquery(events.order_by("at" if first else "-at").values("at")[:1])


def user_list(*, q: Q | None = None) -> QuerySet[User]:
    """Users in id order, each with its `group_ids`, `external_id` and `last_modified`."""
    users = User.objects.annotate(
        group_ids=GROUP_IDS,
        external_id=F("scim_external_id__external_id"),
        last_modified=_event_time("user"),
    ).order_by("pk")
    return users.filter(q) if q is not None else users


def user_get(*, user_id: int, for_update: bool = False) -> User | None:
    users = user_list().filter(pk=user_id)
    # of=("self",): the externalId's outer join may not be locked (PostgreSQL refuses it).
    return (users.select_for_update(of=("self",)) if for_update else users).first()


def group_list(*, q: Q | None = None) -> QuerySet[Group]:
    groups = Group.objects.annotate(
        external_id=F("scim_external_id__external_id"),
        created=_event_time("group", first=True, action=Action.GROUP_CREATED),
        last_modified=_event_time("group"),
    ).order_by("pk")
    return groups.filter(q) if q is not None else groups


def group_get(*, group_id: int, for_update: bool = False) -> Group | None:
    groups = group_list().filter(pk=group_id)
    return (groups.select_for_update(of=("self",)) if for_update else groups).first()


def group_names(group_ids: set[int]) -> dict[int, str]:
    return dict(Group.objects.filter(pk__in=group_ids).values_list("pk", "name"))


def members_of(group_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Each group's members as (user id, username), in user id order."""
    members: dict[int, list[tuple[int, str]]] = {group_id: [] for group_id in group_ids}
    rows = (
        Membership.objects.filter(group_id__in=group_ids)
        .order_by("group_id", "user_id")
        .values_list("group_id", "user_id", "user__username")
    )
    for group_id, user_id, username in rows:
        members[group_id].append((user_id, username))
    return members


def member_ids(group: Group) -> list[int]:
    return list(Membership.objects.filter(group=group).values_list("user_id", flat=True))


def existing_user_ids(user_ids: set[int]) -> set[int]:
    return set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))


def page(queryset: QuerySet[Any], start: int, count: int) -> list[Any]:
    """`count` rows from the 1-based `start` (RFC 7644 §3.4.2.4)."""
    return list(queryset[start - 1 : start - 1 + count]) if count else []
