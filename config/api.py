from ninja import NinjaAPI

from config.errors import install_exception_handlers
from config.parsers import JsonOrFormParser
from directory.routers import groups, users

api = NinjaAPI(
    title="Identity directory",
    version="1.0.0",
    description="Users and groups for holders of OAuth2 tokens issued at /o/token/.",
    parser=JsonOrFormParser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/users/", users.router)
api.add_router("/groups/", groups.router)
install_exception_handlers(api)
