from functools import partial
from typing import Any

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI, Swagger

from config.errors import install_exception_handlers, method_not_allowed
from config.openapi import ContractSchema
from config.parsers import JsonOrFormParser
from directory.routers import groups, users


class DirectoryAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> ContractSchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(self, path_prefix)

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        # Ninja answers a method a path lacks with a plain-text 405; answer it in JSON.
        for bound_router in self._get_bound_routers():
            for path_view in bound_router.path_operations.values():
                allowed = {method for op in path_view.operations for method in op.methods}
                path_view._not_allowed = partial(method_not_allowed, allowed)  # type: ignore[method-assign]
        return super()._get_urls()


api = DirectoryAPI(
    title="Identity directory",
    version="1.0.0",
    description="Users and groups for holders of OAuth2 tokens issued at /o/token/.",
    parser=JsonOrFormParser(),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": True}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/users/", users.router)
api.add_router("/groups/", groups.router)
install_exception_handlers(api)
