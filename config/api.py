from typing import Any

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.openapi.urls import get_openapi_urls, get_root_url

from config.errors import install_exception_handlers
from config.methods import get_only_pattern, path_view_pattern
from config.openapi import ContractSchema
from config.parsers import JsonOrFormParser
from core.renderers import ORJSONRenderer
from directory.routers import audit, groups, users
from identity.swagger import OAuth2Swagger


class DirectoryAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> ContractSchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(self, path_prefix)

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        """Ninja's patterns (NinjaAPI._get_urls), each path answering HEAD and OPTIONS too
        (config/methods.py). BoundRouter.urls_paths gives one pattern per operation, in the
        order of its path views' operations."""
        urls: list[URLPattern | URLResolver] = [
            get_only_pattern(pattern) for pattern in get_openapi_urls(self)
        ]
        for router in self._get_bound_routers():
            path_views = [view for view in router.path_operations.values() for _ in view.operations]
            patterns = router.urls_paths(router.prefix)
            urls += [
                path_view_pattern(pattern, view)
                for pattern, view in zip(patterns, path_views, strict=True)
            ]
        urls.append(get_root_url(self))
        return urls


api = DirectoryAPI(
    title="Identity directory",
    version="1.0.0",
    description="Users and groups for holders of OAuth2 tokens issued at /o/token/.",
    parser=JsonOrFormParser(),
    renderer=ORJSONRenderer(),
    urls_namespace="api",
    docs=OAuth2Swagger(settings={"persistAuthorization": True}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/users/", users.router)
api.add_router("/groups/", groups.router)
api.add_router("/audit/", audit.router)
install_exception_handlers(api)
