from functools import partial
from typing import Any

from django.contrib.auth.models import User
from ninja import Router, Status
from ninja.pagination import paginate
from ninja.params.functions import Body

from core.compiled import BoundQuery
from core.errors import found
from core.schemas import ErrorOut
from directory import selectors, services
from directory.pagination import DirectoryPagination
from directory.routers.params import Search, UserId
from directory.schemas import UserCreateIn, UserOut, UserPatchIn, UserUpdateIn
from identity.auth import AuthenticatedRequest, OAuth2Bearer
from identity.reauthentication import password_confirmed

router = Router(tags=["users"], auth=OAuth2Bearer())
# An empty PATCH body (an empty form, say) changes nothing, like `{}`.
NO_CHANGES = Body(default_factory=UserPatchIn)
# 429: too many wrong `current_password`s, counted with the sign-in failures.
UPDATE_RESPONSES = {200: UserOut, 409: ErrorOut, 429: ErrorOut}


@router.get("/", response=list[UserOut], operation_id="users_list")
@paginate(DirectoryPagination)
def users_list(request: AuthenticatedRequest, search: Search = None) -> BoundQuery:
    return selectors.user_listing(search=search)


@router.post("/", response={201: UserOut, 409: ErrorOut}, operation_id="users_create")
def users_create(request: AuthenticatedRequest, payload: UserCreateIn) -> Status[User]:
    return Status(201, services.user_create(actor=request.user, **payload.dict()))


@router.get("/me/", response=UserOut, operation_id="users_me")
def users_me(request: AuthenticatedRequest) -> dict[str, Any]:
    return found(selectors.user_row(user_id=request.user.pk))


@router.get("/{user_id}/", response=UserOut, operation_id="users_get")
def users_get(request: AuthenticatedRequest, user_id: UserId) -> dict[str, Any]:
    return found(selectors.user_row(user_id=user_id))


@router.put("/{user_id}/", response=UPDATE_RESPONSES, operation_id="users_update")
def users_update(request: AuthenticatedRequest, payload: UserUpdateIn, user_id: UserId) -> User:
    user = found(selectors.user_get(user_id=user_id))
    return services.user_update(
        actor=request.user,
        user=user,
        data=payload.dict(),
        confirm_password=partial(password_confirmed, request),
    )


@router.patch("/{user_id}/", response=UPDATE_RESPONSES, operation_id="users_partial_update")
def users_partial_update(
    request: AuthenticatedRequest,
    user_id: UserId,
    payload: UserPatchIn = NO_CHANGES,
) -> User:
    user = found(selectors.user_get(user_id=user_id))
    return services.user_update(
        actor=request.user,
        user=user,
        data=payload.dict(exclude_none=True),
        confirm_password=partial(password_confirmed, request),
    )


@router.delete("/{user_id}/", response={204: None, 409: ErrorOut}, operation_id="users_delete")
def users_delete(request: AuthenticatedRequest, user_id: UserId) -> Status[None]:
    services.user_delete(actor=request.user, user=found(selectors.user_get(user_id=user_id)))
    return Status(204, None)
