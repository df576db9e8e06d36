from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.types import DictStrAny

from core.compiled import BoundQuery

# Offsets past this are refused with a 422 instead of overflowing the database's integer.
MAX_OFFSET = 2**31 - 1


class DirectoryPagination(LimitOffsetPagination):
    """limit/offset paging with a bounded page size and offset, of a compiled query."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=100, description="Page size (1-100).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    def __init__(self, **kwargs: DictStrAny) -> None:
        super().__init__(max_limit=100, **kwargs)

    # A BoundQuery, not the QuerySet Ninja expects: Ninja hands over what the operation returns.
    def paginate_queryset(  # type: ignore[override]
        self, queryset: BoundQuery, pagination: Input, request: HttpRequest, **params: Any
    ) -> DictStrAny:
        return {
            "items": queryset.page(limit=pagination.limit, offset=pagination.offset),
            "count": queryset.count(),
        }
