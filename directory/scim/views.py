"""The SCIM endpoints (RFC 7644 §3): plain Django views, not a NinjaAPI. Everything under
/scim/v2/ answers in SCIM's own terms, which Ninja's machinery would mostly be bypassed for:
every failure (authentication, an unknown path, a method, a body that is not JSON) as a SCIM
Error, camelCase query parameters, attribute projection, and bodies whose attribute names
are case-insensitive. Kept out of the REST API's OpenAPI document (docs/scim.md describes it).

Access: a bearer token with the `scim` scope, whatever the method (identity.auth.
ClientCredentialsBearer); what it may change is bounded by the model permissions of the user
it acts for (a client credentials token: the application's owner), checked by the directory's
services exactly as for the REST API.
"""

import json
from collections.abc import Callable
from typing import Any

import orjson
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from core.conditional import Preconditions
from core.errors import ApiError, Forbidden, found
from directory.etags import group_tag
from directory.scim import selectors, services
from directory.scim.discovery import (
    LIST_RESPONSE,
    MAX_RESULTS,
    RESOURCE_TYPES,
    SCHEMAS,
    SEARCH_REQUEST,
    resource_type,
    schema,
    service_provider_config,
)
from directory.scim.documents import (
    GROUP_ATTRIBUTES,
    USER_ATTRIBUTES,
    body_document,
    group_document,
    group_values,
    user_document,
    user_values,
)
from directory.scim.errors import (
    INVALID_FILTER,
    INVALID_SYNTAX,
    ScimError,
    bad_request,
    from_api_error,
    from_validation_error,
)
from directory.scim.filters import InvalidFilter, InvalidPath
from directory.scim.ids import parse_group_id, parse_user_id
from directory.scim.patch import operations, patched
from directory.scim.paths import parse_target
from directory.scim.query import filter_q
from directory.scim.resources import Projection, group_resource, user_resource
from identity.auth import AuthenticatedRequest, ClientCredentialsBearer
from identity.scopes import SCIM

MEDIA_TYPE = "application/scim+json"
BEARER = ClientCredentialsBearer(scopes=[SCIM])
Handler = Callable[..., HttpResponse]


def _response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        orjson.dumps(data, option=orjson.OPT_UTC_Z), status=status, content_type=MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: ScimError) -> HttpResponse:
    return _response(error.body(), error.status, error.headers)


def _failure(exc: Exception) -> ScimError | None:
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, ApiError):
        return from_api_error(exc)
    if isinstance(exc, PermissionDenied):
        return from_api_error(Forbidden())
    if isinstance(exc, ValidationError):
        return from_validation_error(exc)
    if isinstance(exc, InvalidFilter | InvalidPath):
        return bad_request(str(exc), exc.scim_type)
    if isinstance(exc, RequestDataTooBig):
        return ScimError(413, "Request body too large.")
    return None


def endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    """A view answering `handlers` by method (HEAD like GET, without the body), behind the
    bearer token, its failures as SCIM errors."""
    allowed = sorted({*handlers, *(["HEAD"] if "GET" in handlers else [])})

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            BEARER(request)
            method = "GET" if request.method == "HEAD" else request.method or ""
            handler = handlers.get(method)
            if handler is None:
                raise ScimError(
                    405,
                    f"{request.method} is not allowed here.",
                    headers={"Allow": ", ".join(allowed)},
                )
            response = handler(request, **kwargs)
        except Exception as exc:
            error = _failure(exc)
            if error is None:
                raise
            return error_response(error)
        if request.method == "HEAD":
            response.content = b""
        return response

    return view


@csrf_exempt
def not_found(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Any other path under /scim/v2/, after the token (RFC 7644 §3.12)."""
    try:
        BEARER(request)
    except ApiError as exc:
        return error_response(from_api_error(exc))
    return error_response(ScimError(404, "Not found."))


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("scim:root")).rstrip("/")


def _body(request: HttpRequest) -> Any:
    """A JSON body, sent as application/scim+json or application/json (RFC 7644 §3.1)."""
    content_type = request.content_type or ""
    if content_type not in ("application/scim+json", "application/json"):
        raise ScimError(415, f"Send the body as {MEDIA_TYPE} or application/json.")
    try:
        return json.loads(request.body)
    except ValueError as exc:
        raise bad_request(f"The body is not JSON: {exc}", INVALID_SYNTAX) from exc


def _id(value: str) -> int:
    return found(parse_user_id(value))


def _gid(value: str) -> int:
    return found(parse_group_id(value))


def _resource_headers(resource: dict[str, Any]) -> dict[str, str]:
    meta = resource.get("meta") or {}
    headers = {}
    if "version" in meta:
        headers["ETag"] = meta["version"]
    return headers


# Queries (RFC 7644 §3.4.2, §3.4.3)


def _split(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return value
    raise bad_request(f"{name} must be a list of attribute names.")


def _integer(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f"{name} must be an integer.") from exc


class Query:
    """filter, startIndex, count, attributes, excludedAttributes: from the query string or a
    SearchRequest body (names case-insensitive)."""

    def __init__(self, params: dict[str, Any]) -> None:
        fields = {key.lower(): value for key, value in params.items()}
        expression = fields.get("filter")
        if expression is not None and not isinstance(expression, str):
            raise bad_request("filter must be a string.", INVALID_FILTER)
        self.filter: str | None = expression or None
        start = _integer(fields.get("startindex"), "startIndex")
        self.start = max(start or 1, 1)  # §3.4.2.4: below 1 is 1
        count = _integer(fields.get("count"), "count")
        self.count = MAX_RESULTS if count is None else min(max(count, 0), MAX_RESULTS)
        self.projection = Projection.of(
            _split(fields.get("attributes"), "attributes"),
            _split(fields.get("excludedattributes"), "excludedAttributes"),
        )

    @classmethod
    def of_request(cls, request: HttpRequest) -> "Query":
        return cls({key: request.GET.get(key) for key in request.GET})

    @classmethod
    def of_search(cls, request: HttpRequest) -> "Query":
        body = _body(request)
        if not isinstance(body, dict):
            raise bad_request("The body must be a SearchRequest.", INVALID_SYNTAX)
        schemas = body.get("schemas")
        if schemas is not None and SEARCH_REQUEST not in (
            schemas if isinstance(schemas, list) else []
        ):
            raise bad_request(f"schemas must be [{SEARCH_REQUEST!r}].", INVALID_SYNTAX)
        return cls({key: value for key, value in body.items() if key.lower() != "schemas"})


def _list_response(total: int, start: int, resources: list[dict[str, Any]]) -> HttpResponse:
    return _response(
        {
            "schemas": [LIST_RESPONSE],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }
    )


def _users(request: HttpRequest, query: Query, users: list[User]) -> list[dict[str, Any]]:
    ids = {group_id for user in users for group_id in (getattr(user, "group_ids", None) or [])}
    names = selectors.group_names(ids) if ids and query.projection.wants("groups") else {}
    base = base_url(request)
    return [query.projection.apply(user_resource(user, names, base)) for user in users]


def _groups(request: HttpRequest, query: Query, groups: list[Group]) -> list[dict[str, Any]]:
    members = (
        selectors.members_of([group.pk for group in groups])
        if query.projection.wants("members")
        else {}
    )
    base = base_url(request)
    display = query.projection.asks_for("members", "display")
    return [
        query.projection.apply(group_resource(group, members.get(group.pk), base, display=display))
        for group in groups
    ]


def _user_queryset(query: Query) -> QuerySet[User]:
    q = filter_q("User", query.filter) if query.filter else None
    return selectors.user_list(q=q)


def _group_queryset(query: Query) -> QuerySet[Group]:
    q = filter_q("Group", query.filter) if query.filter else None
    return selectors.group_list(q=q)


def _user_listing(request: HttpRequest, query: Query) -> HttpResponse:
    users = _user_queryset(query)
    return _list_response(
        users.count(),
        query.start,
        _users(request, query, selectors.page(users, query.start, query.count)),
    )


def _group_listing(request: HttpRequest, query: Query) -> HttpResponse:
    groups = _group_queryset(query)
    return _list_response(
        groups.count(),
        query.start,
        _groups(request, query, selectors.page(groups, query.start, query.count)),
    )


def _search_all(request: HttpRequest) -> HttpResponse:
    """POST /.search (RFC 7644 §3.4.3): users, then groups. A filter one resource type has no
    attribute for finds none of it; one neither type can read is invalidFilter."""
    query = Query.of_search(request)
    querysets: list[tuple[Callable[..., list[dict[str, Any]]], QuerySet[Any]]] = []
    failures = []
    for build, render in ((_user_queryset, _users), (_group_queryset, _groups)):
        try:
            querysets.append((render, build(query)))
        except ScimError as exc:
            if exc.scim_type != INVALID_FILTER:
                raise
            failures.append(exc)
    if not querysets:
        raise failures[0]
    counts = [queryset.count() for _, queryset in querysets]
    resources: list[dict[str, Any]] = []
    offset, wanted = query.start - 1, query.count
    for (render, queryset), count in zip(querysets, counts, strict=True):
        if wanted and offset < count:
            rows = list(queryset[offset : offset + wanted])
            resources += render(request, query, rows)
            wanted -= len(rows)
        offset = max(offset - count, 0)
    return _list_response(sum(counts), query.start, resources)


# Users


def _user_answer(
    request: HttpRequest, user_id: int, query: Query, status: int = 200
) -> HttpResponse:
    user = found(selectors.user_get(user_id=user_id))
    resource = _users(request, Query({}), [user])[0]
    headers = _resource_headers(resource)
    if status == 201:
        headers["Location"] = resource["meta"]["location"]
    return _response(query.projection.apply(resource), status, headers)


def users_list(request: AuthenticatedRequest) -> HttpResponse:
    return _user_listing(request, Query.of_request(request))


def users_search(request: AuthenticatedRequest) -> HttpResponse:
    return _user_listing(request, Query.of_search(request))


def users_create(request: AuthenticatedRequest) -> HttpResponse:
    values = user_values(body_document(_body(request), USER_ATTRIBUTES))
    user = services.user_create(actor=request.user, values=values)
    return _user_answer(request, user.pk, Query.of_request(request), 201)


def users_get(request: AuthenticatedRequest, user_id: str) -> HttpResponse:
    user = found(selectors.user_get(user_id=_id(user_id)))
    query = Query.of_request(request)
    resource = _users(request, Query({}), [user])[0]
    tag = resource["meta"]["version"]
    failure = Preconditions.of(request).failure(tag)
    if failure == 304:
        return HttpResponse(status=304, headers={"ETag": tag})
    if failure == 412:
        raise ScimError(412, "If-Match does not match the resource's version.")
    return _response(query.projection.apply(resource), headers=_resource_headers(resource))


def users_replace(request: AuthenticatedRequest, user_id: str) -> HttpResponse:
    pk = _id(user_id)
    values = user_values(body_document(_body(request), USER_ATTRIBUTES))
    services.user_update(
        actor=request.user, user_id=pk, values=values, preconditions=Preconditions.of(request)
    )
    return _user_answer(request, pk, Query.of_request(request))


def users_patch(request: AuthenticatedRequest, user_id: str) -> HttpResponse:
    pk = _id(user_id)
    ops = operations(_body(request))
    # Locked from the read to the write: a concurrent PATCH waits and applies its operations
    # to this one's result, instead of writing back a document that misses it.
    with transaction.atomic():
        user = found(selectors.user_get(user_id=pk, for_update=True))
        document = patched(
            user_document(user),
            ops,
            attributes=USER_ATTRIBUTES,
            parse_path=parse_target("User", USER_ATTRIBUTES),
        )
        services.user_update(
            actor=request.user,
            user_id=pk,
            values=user_values(document),
            preconditions=Preconditions.of(request),
        )
    return _user_answer(request, pk, Query.of_request(request))


def users_delete(request: AuthenticatedRequest, user_id: str) -> HttpResponse:
    services.user_delete(
        actor=request.user, user_id=_id(user_id), preconditions=Preconditions.of(request)
    )
    return HttpResponse(status=204)


# Groups


def _group_answer(
    request: HttpRequest, group_id: int, query: Query, status: int = 200
) -> HttpResponse:
    group = found(selectors.group_get(group_id=group_id))
    resource = _groups(request, query, [group])[0]
    headers = _resource_headers(resource)
    if status == 201:
        headers["Location"] = resource["meta"]["location"]
    return _response(resource, status, headers)


def groups_list(request: AuthenticatedRequest) -> HttpResponse:
    return _group_listing(request, Query.of_request(request))


def groups_search(request: AuthenticatedRequest) -> HttpResponse:
    return _group_listing(request, Query.of_search(request))


def groups_create(request: AuthenticatedRequest) -> HttpResponse:
    values = group_values(body_document(_body(request), GROUP_ATTRIBUTES))
    group = services.group_create(actor=request.user, values=values)
    return _group_answer(request, group.pk, Query.of_request(request), 201)


def groups_get(request: AuthenticatedRequest, group_id: str) -> HttpResponse:
    group = found(selectors.group_get(group_id=_gid(group_id)))
    tag = group_tag(group)
    failure = Preconditions.of(request).failure(tag)
    if failure == 304:
        return HttpResponse(status=304, headers={"ETag": tag or ""})
    if failure == 412:
        raise ScimError(412, "If-Match does not match the resource's version.")
    query = Query.of_request(request)
    resource = _groups(request, query, [group])[0]
    return _response(resource, headers=_resource_headers(resource))


def groups_replace(request: AuthenticatedRequest, group_id: str) -> HttpResponse:
    pk = _gid(group_id)
    values = group_values(body_document(_body(request), GROUP_ATTRIBUTES))
    services.group_update(
        actor=request.user,
        group_id=pk,
        values=values,
        before=None,
        preconditions=Preconditions.of(request),
    )
    return _group_answer(request, pk, Query.of_request(request))


def groups_patch(request: AuthenticatedRequest, group_id: str) -> HttpResponse:
    pk = _gid(group_id)
    ops = operations(_body(request))
    with transaction.atomic():
        group = found(selectors.group_get(group_id=pk, for_update=True))
        before = selectors.member_ids(group)
        document = patched(
            group_document(group, before),
            ops,
            attributes=GROUP_ATTRIBUTES,
            parse_path=parse_target("Group", GROUP_ATTRIBUTES),
        )
        services.group_update(
            actor=request.user,
            group_id=pk,
            values=group_values(document),
            before=before,
            preconditions=Preconditions.of(request),
        )
    return _group_answer(request, pk, Query.of_request(request))


def groups_delete(request: AuthenticatedRequest, group_id: str) -> HttpResponse:
    services.group_delete(
        actor=request.user, group_id=_gid(group_id), preconditions=Preconditions.of(request)
    )
    return HttpResponse(status=204)


# Discovery (RFC 7644 §4)


def _listed(resources: list[dict[str, Any]]) -> HttpResponse:
    return _list_response(len(resources), 1, resources)


def service_provider_config_get(request: HttpRequest) -> HttpResponse:
    return _response(service_provider_config(base_url(request)))


def resource_types_list(request: HttpRequest) -> HttpResponse:
    base = base_url(request)
    return _listed([resource_type(name, base) for name in RESOURCE_TYPES])


def resource_types_get(request: HttpRequest, name: str) -> HttpResponse:
    if name not in RESOURCE_TYPES:
        raise ScimError(404, "Not found.")
    return _response(resource_type(name, base_url(request)))


def schemas_list(request: HttpRequest) -> HttpResponse:
    base = base_url(request)
    return _listed([schema(urn, base) for urn in SCHEMAS])


def schemas_get(request: HttpRequest, urn: str) -> HttpResponse:
    if urn not in SCHEMAS:
        raise ScimError(404, "Not found.")
    return _response(schema(urn, base_url(request)))


def search(request: HttpRequest) -> HttpResponse:
    return _search_all(request)


def root(request: HttpRequest) -> HttpResponse:
    raise ScimError(404, "Not found.")
