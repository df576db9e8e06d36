"""How each failure becomes an HTTP answer: always JSON with a `detail` key.

Apps raise core.errors.ApiError (or Django's own exceptions); each is answered by its status,
detail and headers, whichever app raised it.
"""

from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaValidationError

from config.parsers import UnsupportedMediaType
from core.errors import ApiError, Forbidden, NotFound


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


# Django's own handlers, for URLs outside the API (unmatched paths, /o/, /admin/): JSON too.
def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": NotFound.default_detail}, status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return JsonResponse({"detail": ApiError.default_detail}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": "Internal server error."}, status=500)
