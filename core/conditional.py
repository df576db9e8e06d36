"""Conditional requests (RFC 9110 §13) with entity tags of representations.

An ETag is a hash of the representation's JSON bytes, exactly as the API sends them: a strong
validator (RFC 9110 §8.8.3), since it changes whenever one byte of the representation does.
It is computed from the row a request reads anyway, so it costs no query; on a GET it saves
bandwidth (a 304 has no body), not the server's work. A strong tag is what `If-Match` needs:
its comparison is strong, so a weak tag could never match (§13.1.1).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, TypeVar

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotModified, JsonResponse
from django.utils.http import parse_etags
from ninja.decorators import decorate_view
from pydantic import BaseModel

from core.errors import PreconditionFailed
from core.http import SAFE_METHODS
from core.renderers import ORJSONRenderer

F = TypeVar("F", bound=Callable[..., Any])
# The operation's view function carries which of these it is, for the OpenAPI document.
Kind = Literal["tagged", "conditional"]
TAGGED: Kind = "tagged"  # its 200/201 answers carry an ETag
CONDITIONAL: Kind = "conditional"  # and it honours If-Match and If-None-Match
KIND_ATTRIBUTE = "entity_tags"
IF_NONE_MATCH_FAILED = "If-None-Match matches the resource's current ETag."
# RFC 9110 §15.4.5: the fields a 304 carries that the 200 would have.
NOT_MODIFIED_FIELDS = ("Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary")


def entity_tag(content: bytes) -> str:
    """A strong entity tag (RFC 9110 §8.8.3) of `content`: 128 bits of BLAKE2b, quoted."""
    return f'"{hashlib.blake2b(content, digest_size=16).hexdigest()}"'


def representation_tag(representation: BaseModel) -> str:
    """The tag of `representation` as the API's renderer writes it (tests check that a GET's
    ETag is the one a write compares with)."""
    return entity_tag(ORJSONRenderer.dumps(representation.model_dump()))


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


@dataclass(frozen=True)
class Preconditions:
    """A request's `If-Match` and `If-None-Match` (None: absent), as lists of entity tags.

    An unparsable member of a list is dropped; an `If-Match` left empty that way matches
    nothing (so a client's malformed tag fails safe, with a 412, instead of being ignored).
    """

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    @classmethod
    def of(cls, request: HttpRequest) -> "Preconditions":
        def parsed(header: str) -> tuple[str, ...] | None:
            value = request.headers.get(header)
            return None if value is None else tuple(parse_etags(value))

        return cls(if_match=parsed("If-Match"), if_none_match=parsed("If-None-Match"))

    def __bool__(self) -> bool:
        return self.if_match is not None or self.if_none_match is not None

    def _failed(self, current: str | None) -> Literal["If-Match", "If-None-Match"] | None:
        """RFC 9110 §13.2.2, steps 1 and 3: the header that is false for a resource whose
        current representation has the strong tag `current` (None: it has none). If-Match
        compares strongly (§13.1.1: a W/ tag never matches), If-None-Match weakly (§13.1.2).
        """
        if self.if_match is not None and not (
            current is not None and (self.if_match == ("*",) or current in self.if_match)
        ):
            return "If-Match"
        if (
            self.if_none_match is not None
            and current is not None
            and (self.if_none_match == ("*",) or current in map(_opaque, self.if_none_match))
        ):
            return "If-None-Match"
        return None

    def failure(self, current: str | None) -> Literal[304, 412] | None:
        """For a GET or HEAD: 412 for a false If-Match, 304 for a false If-None-Match."""
        failed = self._failed(current)
        return None if failed is None else 412 if failed == "If-Match" else 304

    def require(self, current: str | None) -> None:
        """For a write: PreconditionFailed (412) unless it may go ahead on `current`."""
        failed = self._failed(current)
        if failed == "If-Match":
            raise PreconditionFailed
        if failed == "If-None-Match":
            raise PreconditionFailed(IF_NONE_MATCH_FAILED)


def _not_modified(response: HttpResponseBase) -> HttpResponseNotModified:
    not_modified = HttpResponseNotModified()
    for field in NOT_MODIFIED_FIELDS:
        if field in response:
            not_modified[field] = response[field]
    return not_modified


def _validated(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The operation's answer, tagged; for a GET or HEAD, its preconditions evaluated on that
    tag (the work is done by then: a 304 saves the transfer)."""

    @wraps(run)
    def validated(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        response = run(request, **kwargs)
        if response.status_code not in (200, 201) or not hasattr(response, "content"):
            return response
        tag = response["ETag"] = entity_tag(response.content)
        if request.method not in SAFE_METHODS:
            return response
        failure = Preconditions.of(request).failure(tag)
        if failure == 304:
            return _not_modified(response)
        if failure == 412:
            return JsonResponse({"detail": PreconditionFailed.default_detail}, status=412)
        return response

    return validated


def _marked(kind: Kind) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, KIND_ATTRIBUTE, kind)
        return decorate_view(_validated)(view)

    return mark


# Under the router's decorator: `@router.get(...)` then `@conditional` then the function.
tagged = _marked(TAGGED)
conditional = _marked(CONDITIONAL)


def kind_of(view: Callable[..., Any]) -> Kind | None:
    kind: Kind | None = getattr(view, KIND_ATTRIBUTE, None)
    return kind
