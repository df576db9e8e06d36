from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.http.response import HttpResponseRedirectBase
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.utils.http import escape_leading_slashes

from core.http import SAFE_METHODS


class PermanentRedirectKeepingMethod(HttpResponseRedirectBase):
    """RFC 9110 §15.4.9 308: like 301, but the client must repeat the method and body."""

    status_code = 308


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, except that APPEND_SLASH answers `POST /users` with a 308 to `/users/`.

    Django answers it with a 301 (which clients follow as a GET, losing the body) or, with
    DEBUG on, a RuntimeError, i.e. a 500.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            response.status_code == 404
            and request.method not in SAFE_METHODS
            and self.should_redirect_with_slash(request)
        ):
            path = escape_leading_slashes(request.get_full_path(force_append_slash=True))
            return PermanentRedirectKeepingMethod(path)
        return super().process_response(request, response)


class JsonMethodNotAllowed:
    """Ninja and Django's views answer an unsupported method with a bare 405 (HTML content
    type); this keeps the status and the Allow header (RFC 9110 §15.5.6) and adds a JSON body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code != 405 or response.get("Content-Type", "").endswith("json"):
            return response
        json_response = JsonResponse({"detail": "Method not allowed."}, status=405)
        if response.has_header("Allow"):
            json_response["Allow"] = response["Allow"]
        return json_response
