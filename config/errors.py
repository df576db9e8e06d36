"""How each failure becomes an HTTP answer: always JSON with a `detail` key.

Apps raise core.errors.ApiError (or Django's own exceptions); each is answered by its status,
detail and headers, whichever app raised it.
"""

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaValidationError

from config.parsers import UnsupportedMediaType
from core.errors import ApiError, Forbidden, NotFound
from core.http import RFC_9110_RENAMED, reason_phrase


def _detail(api: NinjaAPI, request: HttpRequest, status: int, detail: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


def _api_error(api: NinjaAPI, request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = _detail(api, request, exc.status_code, exc.detail)
    for header, value in exc.headers.items():
        response[header] = value
    return response


def _body_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, UnsupportedMediaType):
        return _detail(api, request, 415, str(cause))
    if isinstance(cause, ValueError):
        return _detail(api, request, 400, f"Malformed request body: {cause}")
    if cause is not None:
        return _detail(api, request, 400, "Malformed request body.")
    return _detail(api, request, exc.status_code, str(exc))


def _field_errors(api: NinjaAPI, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Service-level checks (e.g. AUTH_PASSWORD_VALIDATORS) shaped like schema errors."""
    errors = [
        {"type": "value_error", "loc": ["body", "payload", field], "msg": message}
        for field, messages in exc.message_dict.items()
        for message in messages
    ]
    return _detail(api, request, 422, errors)


def _schema_errors(api: NinjaAPI, request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    """Pydantic's errors without `ctx`, which holds values of any type: see ValidationErrorItem."""
    errors = [
        {"type": error["type"], "loc": list(error["loc"]), "msg": error["msg"]}
        for error in exc.errors
    ]
    return _detail(api, request, 422, errors)


def install_exception_handlers(api: NinjaAPI) -> None:
    handlers: dict[type[Exception], Any] = {
        ApiError: partial(_api_error, api),
        PermissionDenied: lambda request, exc: _api_error(api, request, Forbidden()),
        Http404: lambda request, exc: _api_error(api, request, NotFound()),
        ValidationError: partial(_field_errors, api),
        SchemaValidationError: partial(_schema_errors, api),
        HttpError: partial(_body_error, api),
        RequestDataTooBig: lambda request, exc: _detail(
            api, request, 413, "Request body too large."
        ),
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


# Django's own handlers, for URLs outside the API (unmatched paths, /o/, /admin/), used while
# DEBUG is off; JsonErrors below answers the same with DEBUG on.
def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": NotFound.default_detail}, status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": ApiError.default_detail}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": "Internal server error."}, status=500)


# The pages people read in a browser (config/urls.py, identity/urls.py): their errors stay HTML.
HTML_PAGES = ("/admin/", "/accounts/", "/o/applications/", "/o/authorize/", "/docs")
ERROR_DETAILS = {
    400: ApiError.default_detail,
    404: NotFound.default_detail,
    405: "Method not allowed.",
    500: "Internal server error.",
}


def _is_html_page(path: str) -> bool:
    return any(path == page or path.startswith(page.rstrip("/") + "/") for page in HTML_PAGES)


def _error_detail(status: int) -> str:
    if status in ERROR_DETAILS:
        return ERROR_DETAILS[status]
    try:
        return f"{reason_phrase(status)}."
    except ValueError:  # a status outside the RFC's registry
        return "Error."


def _is_json(response: HttpResponseBase) -> bool:
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    return media_type == "application/json" or media_type.endswith("+json")


class JsonErrors:
    """Every error outside the HTML pages is JSON with a `detail`, DEBUG or not.

    With DEBUG on, Django answers an unknown URL with technical_404 and an uncaught exception
    with technical_500 instead of the handlers above, and Ninja answers a traceback as text;
    this rewrites such a body in place, keeping the status and every header (Allow,
    WWW-Authenticate, the security headers) the layers within set. Every status line names its
    status as RFC 9110 §15 does, whichever Python runs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code in RFC_9110_RENAMED:
            # The status line too: Django takes it from this Python's http.client.responses.
            response.reason_phrase = RFC_9110_RENAMED[response.status_code]
        if (
            response.status_code < 400
            or _is_json(response)
            or _is_html_page(request.path_info)
            or not isinstance(response, HttpResponse)
        ):
            return response
        response.content = json.dumps({"detail": _error_detail(response.status_code)}).encode()
        response["Content-Type"] = "application/json"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
