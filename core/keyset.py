"""Keyset pagination: a page starts after the last row of the page before it, named by a
cursor, so a page deep in a list costs what the first one does (an index seek, no OFFSET) and
rows added or removed during a walk shift no later page: no row present throughout is skipped
or repeated. The order must be unique (its last key a unique column).

A cursor writes a position of integers as `<n>.<n>…`. It is opaque to clients, but its pattern
is in the OpenAPI document and every string matching it is a position (each part bounded to
fit a signed 64-bit integer), so a schema-valid cursor is never refused and a made-up one only
names a place in the list."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Q
from django.http import HttpRequest, QueryDict
from ninja.errors import ValidationError

T = TypeVar("T")
Position = tuple[int, ...]
MALFORMED_CURSOR = "Malformed cursor: use the `next` URL of a page."
# A page's `next` URL leaves these out: the cursor says where the next page starts, and a
# count asked once need not be paid for on every page.
NOT_CARRIED = ("offset", "count")


class MalformedCursor(ValueError):
    pass


@dataclass(frozen=True)
class Part:
    """A non-negative integer of at most `digits` digits (18 stay under 2**63), `positive`
    excluding 0."""

    digits: int = 18
    positive: bool = True

    @property
    def pattern(self) -> str:
        if self.positive:
            return f"[1-9][0-9]{{0,{self.digits - 1}}}"
        return f"[0-9]{{1,{self.digits}}}"

    def read(self, text: str) -> int:
        if not (text.isascii() and text.isdigit() and len(text) <= self.digits):
            raise MalformedCursor
        if self.positive and text.startswith("0"):
            raise MalformedCursor
        return int(text)


@dataclass(frozen=True)
class CursorFormat:
    parts: tuple[Part, ...]

    @property
    def pattern(self) -> str:
        return "^" + r"\.".join(part.pattern for part in self.parts) + "$"

    def write(self, position: Position) -> str:
        return ".".join(str(value) for value in position)

    def read(self, cursor: str) -> Position:
        """The position `cursor` names; MalformedCursor for anything `write` cannot write."""
        texts = cursor.split(".")
        if len(texts) != len(self.parts):
            raise MalformedCursor
        return tuple(part.read(text) for part, text in zip(self.parts, texts, strict=True))


def after(order: Sequence[str], position: Sequence[Any]) -> Q:
    """Rows past `position` in `order` (field names, `-` for descending), compared as tuples:
    past on the first key, or equal on it and past on the next, and so on."""
    if len(order) != len(position) or not order:
        raise ValueError("A position has one value per key of the order.")
    *earlier, (last_key, last_value) = zip(order, position, strict=True)
    past = _beyond(last_key, last_value)
    for key, value in reversed(earlier):
        past = _beyond(key, value) | (Q(**{key.removeprefix("-"): value}) & past)
    return past


def _beyond(key: str, value: Any) -> Q:
    if key.startswith("-"):
        return Q(**{f"{key[1:]}__lt": value})
    return Q(**{f"{key}__gt": value})


def cursor_parameter(read: Callable[[str], T], cursor: str | None) -> T | None:
    """`read(cursor)` for the query parameter `cursor`: None for none, and for a malformed one
    the 422 a schema-invalid parameter gets."""
    if cursor is None:
        return None
    try:
        return read(cursor)
    except MalformedCursor:
        error = {"type": "value_error", "loc": ["query", "cursor"], "msg": MALFORMED_CURSOR}
        raise ValidationError([error]) from None


def split(rows: list[T], limit: int) -> tuple[list[T], bool]:
    """A page read one row long (`limit + 1` rows): the page, and whether more follow."""
    return rows[:limit], len(rows) > limit


def next_url(request: HttpRequest, cursor: str) -> str:
    """The request's own root-relative URL with `cursor` in place, its other parameters kept
    (but NOT_CARRIED)."""
    params: QueryDict = request.GET.copy()
    for name in NOT_CARRIED:
        params.pop(name, None)
    params["cursor"] = cursor
    return f"{request.path}?{params.urlencode()}"
