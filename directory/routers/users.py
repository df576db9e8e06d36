from typing import Any

from django.contrib.auth.models import User
from django.http import Http404
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.params.functions import Body

from config.schemas import ErrorOut
from directory import selectors, services
from directory.pagination import DirectoryPagination
from directory.permissions import (
    require_password_change,
    require_perm,
    require_rank,
    require_user_change,
)
from directory.prepared import Listing
from directory.routers.params import Search, UserId
from directory.schemas import UserCreateIn, UserOut, UserPatchIn, UserUpdateIn
from identity.auth import AuthenticatedRequest, OAuth2Bearer

router = Router(tags=["users"], auth=OAuth2Bearer())
# An empty PATCH body (an empty form, say) changes nothing, like `{}`.
NO_CHANGES = Body(default_factory=UserPatchIn)


def _user_or_404(user_id: int) -> User:
    user = selectors.user_get(user_id=user_id)
    if user is None:
        raise Http404
    return user


@router.get("/", response=list[UserOut], operation_id="users_list")
@paginate(DirectoryPagination)
def users_list(request: AuthenticatedRequest, search: Search = None) -> Listing:
    return selectors.user_listing(search=search)


@router.post("/", response={201: UserOut, 409: ErrorOut}, operation_id="users_create")
def users_create(request: AuthenticatedRequest, payload: UserCreateIn) -> Status[User]:
    require_perm(request.user, "auth.add_user")
    return Status(201, services.user_create(**payload.dict()))


@router.get("/me/", response=UserOut, operation_id="users_me")
def users_me(request: AuthenticatedRequest) -> User:
    return _user_or_404(request.user.pk)


@router.get("/{user_id}/", response=UserOut, operation_id="users_get")
def users_get(request: AuthenticatedRequest, user_id: UserId) -> User:
    return _user_or_404(user_id)


def _change(request: AuthenticatedRequest, user: User, data: dict[str, Any]) -> User:
    password = data.pop("password", None)
    current_password = data.pop("current_password", None)
    fields = services.user_changed_fields(user=user, data=data)
    require_user_change(actor=request.user, target=user, fields=fields)
    if password is not None:
        require_password_change(actor=request.user, target=user)
    return services.user_update(
        user=user,
        data=data,
        password=password,
        current_password=current_password,
        check_current_password=request.user.pk == user.pk,
    )


@router.put("/{user_id}/", response={200: UserOut, 409: ErrorOut}, operation_id="users_update")
def users_update(request: AuthenticatedRequest, payload: UserUpdateIn, user_id: UserId) -> User:
    return _change(request, _user_or_404(user_id), payload.dict())


@router.patch(
    "/{user_id}/", response={200: UserOut, 409: ErrorOut}, operation_id="users_partial_update"
)
def users_partial_update(
    request: AuthenticatedRequest,
    user_id: UserId,
    payload: UserPatchIn = NO_CHANGES,
) -> User:
    return _change(request, _user_or_404(user_id), payload.dict(exclude_none=True))


@router.delete("/{user_id}/", response={204: None}, operation_id="users_delete")
def users_delete(request: AuthenticatedRequest, user_id: UserId) -> Status[None]:
    require_perm(request.user, "auth.delete_user")
    user = _user_or_404(user_id)
    require_rank(actor=request.user, target=user)
    services.user_delete(user=user)
    return Status(204, None)
