"""config.urls plus views that fail as a bug would, for tests of the 500 answer: nothing in the
service itself is meant to raise one."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI

from config import urls
from config.errors import install_exception_handlers


class Bug(Exception):
    pass


def fail(request: HttpRequest) -> HttpResponse:
    raise Bug("a view with a bug")


failing_api = NinjaAPI(urls_namespace="failing", docs_url=None, openapi_url=None)
install_exception_handlers(failing_api)


@failing_api.get("/", auth=None)
def api_fail(request: HttpRequest) -> None:
    raise Bug("an operation with a bug")


urlpatterns = [
    path("fail/", fail),
    path("o/fail/", fail),
    path("accounts/fail/", fail),
    path("failing-api/", failing_api.urls),
    *urls.urlpatterns,
]

handler400 = urls.handler400
handler404 = urls.handler404
handler500 = urls.handler500
