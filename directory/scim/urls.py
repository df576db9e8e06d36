"""/scim/v2/ (RFC 7644 §3.2): resource endpoints without a trailing slash, as SCIM clients
send them (one is accepted too); any other path is a SCIM 404."""

from collections.abc import Callable

from django.http import HttpResponse
from django.urls import URLPattern, re_path

from directory.scim import views

app_name = "scim"


def _route(pattern: str, view: Callable[..., HttpResponse], name: str) -> URLPattern:
    return re_path(rf"^{pattern}/?$", view, name=name)


urlpatterns = [
    re_path(r"^$", views.endpoint(GET=views.root), name="root"),
    _route(
        "ServiceProviderConfigs?",
        views.endpoint(GET=views.service_provider_config_get),
        "service-provider-config",
    ),
    _route("ResourceTypes", views.endpoint(GET=views.resource_types_list), "resource-types"),
    _route(
        "ResourceTypes/(?P<name>[^/]+)",
        views.endpoint(GET=views.resource_types_get),
        "resource-type",
    ),
    _route("Schemas", views.endpoint(GET=views.schemas_list), "schemas"),
    _route("Schemas/(?P<urn>[^/]+)", views.endpoint(GET=views.schemas_get), "schema"),
    _route("Users", views.endpoint(GET=views.users_list, POST=views.users_create), "users"),
    _route(r"Users/\.search", views.endpoint(POST=views.users_search), "users-search"),
    _route(
        "Users/(?P<user_id>[^/]+)",
        views.endpoint(
            GET=views.users_get,
            PUT=views.users_replace,
            PATCH=views.users_patch,
            DELETE=views.users_delete,
        ),
        "user",
    ),
    _route("Groups", views.endpoint(GET=views.groups_list, POST=views.groups_create), "groups"),
    _route(r"Groups/\.search", views.endpoint(POST=views.groups_search), "groups-search"),
    _route(
        "Groups/(?P<group_id>[^/]+)",
        views.endpoint(
            GET=views.groups_get,
            PUT=views.groups_replace,
            PATCH=views.groups_patch,
            DELETE=views.groups_delete,
        ),
        "group",
    ),
    _route(r"\.search", views.endpoint(POST=views.search), "search"),
    re_path(r"^.*$", views.not_found, name="not-found"),
]
