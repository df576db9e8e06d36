from typing import Any

from ninja import NinjaAPI

from config.errors import install_exception_handlers
from config.openapi import ContractSchema
from config.parsers import JsonOrFormParser
from config.renderers import ORJSONRenderer
from directory.routers import groups, users
from identity.swagger import OAuth2Swagger


class DirectoryAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> ContractSchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ContractSchema(self, path_prefix)


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
install_exception_handlers(api)
