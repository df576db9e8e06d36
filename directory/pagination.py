from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.types import DictStrAny

# Offsets past this are refused with a 422 instead of overflowing the database's integer.
MAX_OFFSET = 2**31 - 1


class DirectoryPagination(LimitOffsetPagination):
    """limit/offset paging with a bounded page size and offset."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=100, description="Page size (1-100).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    def __init__(self, **kwargs: DictStrAny) -> None:
        super().__init__(max_limit=100, **kwargs)
