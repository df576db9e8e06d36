import json

from django.http import HttpRequest, QueryDict
from ninja.parser import Parser
from ninja.types import DictStrAny


class UnsupportedMediaType(Exception):
    def __init__(self, content_type: str) -> None:
        super().__init__(
            f"Unsupported media type {content_type!r}: send application/json or "
            "application/x-www-form-urlencoded."
        )


class JsonOrFormParser(Parser):
    """Reads a body sent as JSON or as a form, so the tutorial's `curl -d "a=b"` works as written.

    A form field given twice stays a list, so the schema rejects it instead of one value winning.
    """

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        content_type = request.content_type or ""
        if content_type == "application/json" or content_type.endswith("+json"):
            data: DictStrAny = json.loads(request.body)
            return data
        if content_type == "application/x-www-form-urlencoded":
            # Django fills request.POST for POST only; PUT and PATCH forms are parsed here.
            form = QueryDict(request.body, encoding=request.encoding)
            return {key: values[0] if len(values) == 1 else values for key, values in form.lists()}
        raise UnsupportedMediaType(content_type)
