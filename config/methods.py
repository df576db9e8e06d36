"""HEAD and OPTIONS on every path of the API (RFC 9110 §9.3.2, §9.3.7).

Ninja dispatches only the methods its operations declare, and answers the others with a 405
whose `Allow` lists those; config/api.py wraps each path's view here instead, so no router
declares them.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import URLPattern
from ninja.operation import PathView

View = Callable[..., HttpResponseBase]


def allowed_methods(declared: Iterable[str]) -> list[str]:
    """The methods a path answers: its own, HEAD wherever GET is (RFC 9110 §9.3.2), and
    OPTIONS everywhere (§9.3.7). Sorted, so `Allow` reads the same on every answer."""
    methods = set(declared) | {"OPTIONS"}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def options(allowed: list[str]) -> HttpResponse:
    """RFC 9110 §9.3.7: the methods, without a body. No token is asked for: a CORS preflight
    sends none, and the answer says nothing that the OpenAPI document does not."""
    response = HttpResponse(status=204)
    del response["Content-Type"]  # nothing to type
    response["Allow"] = ", ".join(allowed)
    return response


def without_body(response: HttpResponseBase) -> HttpResponseBase:
    """RFC 9110 §9.3.2: GET's status and headers, `Content-Length` included (§8.6), and no
    content. Servers drop a HEAD body themselves, but gunicorn logs a warning for each."""
    if isinstance(response, HttpResponse):
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response


def with_head_and_options(view: View, declared: Iterable[str], get: View | None = None) -> View:
    """`view`, serving `declared`, plus HEAD (by `get`, which answers GET; `view` itself if
    omitted) and OPTIONS. Any other method is a 405 with the same `Allow` as OPTIONS."""
    declared = set(declared)
    allowed = allowed_methods(declared)
    head = get or view

    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in declared:
            return view(request, *args, **kwargs)
        if request.method == "OPTIONS":
            return options(allowed)
        if request.method == "HEAD" and "GET" in declared:
            return without_body(head(request, *args, **kwargs))
        return HttpResponseNotAllowed(allowed)

    dispatch.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
    return dispatch


def path_view_pattern(pattern: URLPattern, path_view: PathView) -> URLPattern:
    """Ninja's pattern for one path, its view given HEAD and OPTIONS. HEAD runs the GET
    operation with the request as it came, so authentication sees HEAD: a safe method, which
    needs the `read` scope as GET does (identity/scopes.py)."""
    if path_view.is_async:
        raise ImproperlyConfigured(f"{pattern}: HEAD is served for synchronous operations only.")
    declared = {method for operation in path_view.operations for method in operation.methods}
    get = next((op.run for op in path_view.operations if "GET" in op.methods), None)
    view = with_head_and_options(pattern.callback, declared, get)
    return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)


def get_only_pattern(pattern: URLPattern) -> URLPattern:
    """A page of the API that is neither an operation nor routed by method (the OpenAPI
    document, Swagger UI): GET, HEAD and OPTIONS, and a 405 for the rest."""
    view = with_head_and_options(pattern.callback, {"GET"})
    return URLPattern(pattern.pattern, view, pattern.default_args, pattern.name)
