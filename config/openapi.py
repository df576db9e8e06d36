"""The OpenAPI document as a contract for generated clients: every status an operation can
answer is documented with a named schema, bodies list both media types the parser accepts,
and no schema is anonymous or unreferenced."""

from typing import Any

from ninja.openapi.schema import REF_TEMPLATE
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema
from pydantic import BaseModel

from core.conditional import CONDITIONAL, kind_of
from core.http import reason_phrase
from core.schemas import ErrorOut, ValidationErrorOut
from identity.openapi import OAuth2OpenAPISchema

# What config/parsers.py accepts.
BODY_MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded")
NULL = {"type": "null"}
ETAG_HEADER = {
    "ETag": {
        "description": "The strong entity tag of the representation in the body (RFC 9110 "
        "§8.8.3): send it back as If-Match to write only if nothing changed since.",
        "schema": {"type": "string"},
    }
}
PRECONDITION_HEADERS = [
    {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "Entity tags (or `*`): answer 412, changing nothing, unless one is the "
        "current ETag (strong comparison, RFC 9110 §13.1.1).",
        "schema": {"type": "string"},
    },
    {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "description": "Entity tags (or `*`): if one is the current ETag (weak comparison, "
        "RFC 9110 §13.1.2), a GET answers 304 without a body and a write 412.",
        "schema": {"type": "string"},
    },
]


def _sources(operation: Operation) -> set[str]:
    return {model.__ninja_param_source__ for model in operation.models}


def error_responses(operation: Operation) -> dict[int, type[BaseModel]]:
    """The failures config/errors.py can produce for `operation`, by status."""
    sources = _sources(operation)
    errors: dict[int, type[BaseModel]] = {}
    if operation.auth_callbacks:
        # 400: an access token in the query string (RFC 6750 §2.3), see OAuth2Bearer.
        errors |= {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}
    if "path" in sources:
        errors[404] = ErrorOut
    if "body" in sources:
        errors |= {400: ErrorOut, 413: ErrorOut, 415: ErrorOut}
    if sources:
        errors[422] = ValidationErrorOut
    return errors


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string, never JSON null: drop pydantic's null branch."""
    branches = schema.get("anyOf", [])
    if NULL not in branches or len(branches) != 2:
        return schema
    (other,) = (branch for branch in branches if branch != NULL)
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**other, **rest}


def _refs(node: Any) -> set[str]:
    found = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


class ContractSchema(OAuth2OpenAPISchema):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prune_unreferenced_schemas()

    def operation_parameters(self, operation: Operation) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().operation_parameters(operation)
        parameters = [{**p, "schema": _not_null(p["schema"])} for p in parameters]
        if kind_of(operation.view_func) == CONDITIONAL:
            parameters += PRECONDITION_HEADERS
        return parameters

    def request_body(self, operation: Operation) -> dict[str, Any]:
        body: dict[str, Any] = super().request_body(operation)
        if body:
            (media,) = body["content"].values()
            # An optional body comes wrapped as {"allOf": [{"$ref": ...}]}.
            (schema,) = media["schema"].get("allOf", [media["schema"]])
            body["content"] = {kind: {"schema": schema} for kind in BODY_MEDIA_TYPES}
        return body

    def responses(self, operation: Operation) -> dict[int, dict[str, Any]]:
        responses: dict[int, dict[str, Any]] = super().responses(operation)
        for status, response in responses.items():
            # Ninja's description comes from this Python's http.client.responses.
            response["description"] = reason_phrase(status)
        for status, model in error_responses(operation).items():
            responses.setdefault(status, self._response(status, model))
        kind = kind_of(operation.view_func)
        if kind is not None:
            for status in {200, 201} & responses.keys():
                responses[status]["headers"] = ETAG_HEADER
        if kind == CONDITIONAL:
            responses[412] = self._response(412, ErrorOut)
            if "GET" in operation.methods:
                responses[304] = {"description": "Not Modified", "headers": ETAG_HEADER}
        return dict(sorted(responses.items()))

    def _response(self, status: int, model: type[BaseModel]) -> dict[str, Any]:
        return {
            "description": reason_phrase(status),
            "content": {"application/json": {"schema": self._component(model)}},
        }

    def _component(self, model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(
            ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema
        )
        self.add_schema_definitions(schema.pop("$defs", {}))
        self.schemas[model.__name__] = schema
        return {"$ref": REF_TEMPLATE.format(model=model.__name__)}

    def _prune_unreferenced_schemas(self) -> None:
        """Ninja leaves its pagination `Input` model behind; keep what the paths reach."""
        reachable = _refs(self["paths"])
        while True:
            more = _refs([self.schemas[name] for name in reachable]) - reachable
            if not more:
                break
            reachable |= more
        for name in set(self.schemas) - reachable:
            del self.schemas[name]
