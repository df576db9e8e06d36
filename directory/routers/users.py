from functools import partial
from typing import Any

from ninja import Router, Status
from ninja.params.functions import Body

from core.compiled import BoundQuery
from core.conditional import Preconditions, conditional, tagged
from core.errors import found
from core.schemas import ErrorOut
from directory import selectors, services
from directory.pagination import paginated
from directory.routers.params import Search, UserId
from directory.schemas import UserCreateIn, UserOut, UserPatchIn, UserUpdateIn
from identity.auth import AuthenticatedRequest, OAuth2Bearer
from identity.reauthentication import password_confirmed

router = Router(tags=["users"], auth=OAuth2Bearer())
# An empty PATCH body (an empty form, say) changes nothing, like `{}`.
NO_CHANGES = Body(default_factory=UserPatchIn)
# 429: too many wrong `current_password`s, counted with the sign-in failures.
UPDATE_RESPONSES = {200: UserOut, 409: ErrorOut, 429: ErrorOut}


def _update(request: AuthenticatedRequest, user_id: int, data: dict[str, Any]) -> UserOut:
    """PUT and PATCH of /users/{id}/ and /users/me/: one code path, one set of rules."""
    user = services.user_update(
        actor=request.user,
        user=found(selectors.user_get(user_id=user_id)),
        data=data,
        confirm_password=partial(password_confirmed, request),
        preconditions=Preconditions.of(request),
    )
    return UserOut.of(user)


@router.get("/", response=list[UserOut], operation_id="users_list")
@conditional
@paginated
def users_list(request: AuthenticatedRequest, search: Search = None) -> BoundQuery:
    return selectors.user_listing(search=search)


@router.post("/", response={201: UserOut, 409: ErrorOut}, operation_id="users_create")
@tagged
def users_create(request: AuthenticatedRequest, payload: UserCreateIn) -> Status[UserOut]:
    return Status(201, UserOut.of(services.user_create(actor=request.user, **payload.dict())))


@router.get("/me/", response=UserOut, operation_id="users_me")
@conditional
def users_me(request: AuthenticatedRequest) -> UserOut:
    return found(selectors.user_row(user_id=request.user.pk))


@router.put("/me/", response=UPDATE_RESPONSES, operation_id="users_me_update")
@conditional
def users_me_update(request: AuthenticatedRequest, payload: UserUpdateIn) -> UserOut:
    return _update(request, request.user.pk, payload.dict())


@router.patch("/me/", response=UPDATE_RESPONSES, operation_id="users_me_partial_update")
@conditional
def users_me_partial_update(
    request: AuthenticatedRequest, payload: UserPatchIn = NO_CHANGES
) -> UserOut:
    return _update(request, request.user.pk, payload.dict(exclude_none=True))


@router.get("/{user_id}/", response=UserOut, operation_id="users_get")
@conditional
def users_get(request: AuthenticatedRequest, user_id: UserId) -> UserOut:
    return found(selectors.user_row(user_id=user_id))


@router.put("/{user_id}/", response=UPDATE_RESPONSES, operation_id="users_update")
@conditional
def users_update(request: AuthenticatedRequest, payload: UserUpdateIn, user_id: UserId) -> UserOut:
    return _update(request, user_id, payload.dict())


@router.patch("/{user_id}/", response=UPDATE_RESPONSES, operation_id="users_partial_update")
@conditional
def users_partial_update(
    request: AuthenticatedRequest,
    user_id: UserId,
    payload: UserPatchIn = NO_CHANGES,
) -> UserOut:
    return _update(request, user_id, payload.dict(exclude_none=True))


@router.delete("/{user_id}/", response={204: None, 409: ErrorOut}, operation_id="users_delete")
@conditional
def users_delete(request: AuthenticatedRequest, user_id: UserId) -> Status[None]:
    services.user_delete(
        actor=request.user,
        user=found(selectors.user_get(user_id=user_id)),
        preconditions=Preconditions.of(request),
    )
    return Status(204, None)
