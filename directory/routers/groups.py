from django.contrib.auth.models import Group, User
from django.http import Http404
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.params.functions import Body

from config.schemas import ErrorOut
from directory import selectors, services
from directory.pagination import DirectoryPagination
from directory.permissions import require_perm
from directory.prepared import Listing
from directory.routers.params import GroupId, Search, UserId
from directory.schemas import GroupIn, GroupOut, GroupPatchIn, UserOut
from identity.auth import AuthenticatedRequest, OAuth2Bearer
from identity.scopes import GROUPS

router = Router(tags=["groups"], auth=OAuth2Bearer(scopes=[GROUPS]))
# An empty PATCH body (an empty form, say) changes nothing, like `{}`.
NO_CHANGES = Body(default_factory=GroupPatchIn)


def _group_or_404(group_id: int) -> Group:
    group = selectors.group_get(group_id=group_id)
    if group is None:
        raise Http404
    return group


def _member_or_404(user_id: int) -> User:
    user = selectors.user_ref_get(user_id=user_id)
    if user is None:
        raise Http404
    return user


@router.get("/", response=list[GroupOut], operation_id="groups_list")
@paginate(DirectoryPagination)
def groups_list(request: AuthenticatedRequest, search: Search = None) -> Listing:
    return selectors.group_listing(search=search)


@router.post("/", response={201: GroupOut, 409: ErrorOut}, operation_id="groups_create")
def groups_create(request: AuthenticatedRequest, payload: GroupIn) -> Status[Group]:
    require_perm(request.user, "auth.add_group")
    return Status(201, services.group_create(name=payload.name))


@router.get("/{group_id}/", response=GroupOut, operation_id="groups_get")
def groups_get(request: AuthenticatedRequest, group_id: GroupId) -> Group:
    return _group_or_404(group_id)


@router.put("/{group_id}/", response={200: GroupOut, 409: ErrorOut}, operation_id="groups_update")
def groups_update(request: AuthenticatedRequest, payload: GroupIn, group_id: GroupId) -> Group:
    require_perm(request.user, "auth.change_group")
    return services.group_update(group=_group_or_404(group_id), name=payload.name)


@router.patch(
    "/{group_id}/", response={200: GroupOut, 409: ErrorOut}, operation_id="groups_partial_update"
)
def groups_partial_update(
    request: AuthenticatedRequest,
    group_id: GroupId,
    payload: GroupPatchIn = NO_CHANGES,
) -> Group:
    require_perm(request.user, "auth.change_group")
    group = _group_or_404(group_id)
    if payload.name is None:
        return group
    return services.group_update(group=group, name=payload.name)


@router.delete("/{group_id}/", response={204: None}, operation_id="groups_delete")
def groups_delete(request: AuthenticatedRequest, group_id: GroupId) -> Status[None]:
    require_perm(request.user, "auth.delete_group")
    services.group_delete(group=_group_or_404(group_id))
    return Status(204, None)


@router.get("/{group_id}/members/", response=list[UserOut], operation_id="groups_members_list")
@paginate(DirectoryPagination)
def groups_members_list(request: AuthenticatedRequest, group_id: GroupId) -> Listing:
    return selectors.group_member_listing(group=_group_or_404(group_id))


@router.put(
    "/{group_id}/members/{user_id}/", response={204: None}, operation_id="groups_members_add"
)
def groups_members_add(
    request: AuthenticatedRequest,
    group_id: GroupId,
    user_id: UserId,
) -> Status[None]:
    require_perm(request.user, "auth.change_group")
    services.group_add_member(group=_group_or_404(group_id), user=_member_or_404(user_id))
    return Status(204, None)


@router.delete(
    "/{group_id}/members/{user_id}/", response={204: None}, operation_id="groups_members_remove"
)
def groups_members_remove(
    request: AuthenticatedRequest,
    group_id: GroupId,
    user_id: UserId,
) -> Status[None]:
    require_perm(request.user, "auth.change_group")
    services.group_remove_member(group=_group_or_404(group_id), user=_member_or_404(user_id))
    return Status(204, None)
