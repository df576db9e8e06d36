from django.contrib.auth.models import Group
from ninja import Router, Status
from ninja.params.functions import Body

from core.compiled import BoundQuery
from core.conditional import Preconditions, conditional, tagged
from core.errors import found
from core.schemas import ErrorOut
from directory import selectors, services
from directory.pagination import paginated
from directory.routers.params import GroupId, Search, UserId
from directory.schemas import GroupIn, GroupOut, GroupPatchIn, UserOut
from identity.auth import AuthenticatedRequest, OAuth2Bearer
from identity.scopes import GROUPS

router = Router(tags=["groups"], auth=OAuth2Bearer(scopes=[GROUPS]))
# An empty PATCH body (an empty form, say) changes nothing, like `{}`.
NO_CHANGES = Body(default_factory=GroupPatchIn)


def _update(request: AuthenticatedRequest, group_id: int, name: str | None) -> Group:
    return services.group_update(
        actor=request.user,
        group=found(selectors.group_get(group_id=group_id)),
        name=name,
        preconditions=Preconditions.of(request),
    )


@router.get("/", response=list[GroupOut], operation_id="groups_list")
@conditional
@paginated
def groups_list(request: AuthenticatedRequest, search: Search = None) -> BoundQuery:
    return selectors.group_listing(search=search)


@router.post("/", response={201: GroupOut, 409: ErrorOut}, operation_id="groups_create")
@tagged
def groups_create(request: AuthenticatedRequest, payload: GroupIn) -> Status[Group]:
    return Status(201, services.group_create(actor=request.user, name=payload.name))


@router.get("/{group_id}/", response=GroupOut, operation_id="groups_get")
@conditional
def groups_get(request: AuthenticatedRequest, group_id: GroupId) -> Group:
    return found(selectors.group_get(group_id=group_id))


@router.put("/{group_id}/", response={200: GroupOut, 409: ErrorOut}, operation_id="groups_update")
@conditional
def groups_update(request: AuthenticatedRequest, payload: GroupIn, group_id: GroupId) -> Group:
    return _update(request, group_id, payload.name)


@router.patch(
    "/{group_id}/", response={200: GroupOut, 409: ErrorOut}, operation_id="groups_partial_update"
)
@conditional
def groups_partial_update(
    request: AuthenticatedRequest,
    group_id: GroupId,
    payload: GroupPatchIn = NO_CHANGES,
) -> Group:
    return _update(request, group_id, payload.name)


@router.delete("/{group_id}/", response={204: None}, operation_id="groups_delete")
@conditional
def groups_delete(request: AuthenticatedRequest, group_id: GroupId) -> Status[None]:
    services.group_delete(
        actor=request.user,
        group=found(selectors.group_get(group_id=group_id)),
        preconditions=Preconditions.of(request),
    )
    return Status(204, None)


@router.get("/{group_id}/members/", response=list[UserOut], operation_id="groups_members_list")
@conditional
@paginated
def groups_members_list(request: AuthenticatedRequest, group_id: GroupId) -> BoundQuery:
    return selectors.member_listing(group=found(selectors.group_get(group_id=group_id)))


@router.put(
    "/{group_id}/members/{user_id}/", response={204: None}, operation_id="groups_members_add"
)
def groups_members_add(
    request: AuthenticatedRequest, group_id: GroupId, user_id: UserId
) -> Status[None]:
    group = found(selectors.group_get(group_id=group_id))
    user = found(selectors.user_get(user_id=user_id))
    services.group_add_member(actor=request.user, group=group, user=user)
    return Status(204, None)


@router.delete(
    "/{group_id}/members/{user_id}/", response={204: None}, operation_id="groups_members_remove"
)
def groups_members_remove(
    request: AuthenticatedRequest, group_id: GroupId, user_id: UserId
) -> Status[None]:
    group = found(selectors.group_get(group_id=group_id))
    user = found(selectors.user_get(user_id=user_id))
    services.group_remove_member(actor=request.user, group=group, user=user)
    return Status(204, None)
