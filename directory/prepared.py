"""Single-row querysets compiled to SQL once per database, then run with a fresh id.

Building SQL from a queryset costs the ORM ~0.4 ms per request for the user query (with its
group-ids subquery); the rows it returns cost a fraction of that. The ORM still writes the SQL,
once, for whichever database is in use, and the id is always a bound parameter.
"""

from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)

# Stands in for the id while compiling; must come back as the statement's only parameter.
_PLACEHOLDER = 1_234_567_891  # within a 32-bit id, or PostgreSQL compiles it away


class ByIdQuery(Generic[M]):
    def __init__(self, model: type[M], build: Callable[[int], QuerySet[M]]) -> None:
        self._model = model
        self._build = build
        self._sql: dict[str, str] = {}

    def _compile(self) -> str:
        sql, params = self._build(_PLACEHOLDER)[:1].query.sql_with_params()
        if tuple(params) != (_PLACEHOLDER,):
            raise ValueError(f"Expected the id as the only parameter, got {params!r}.")
        return self._sql.setdefault(connection.vendor, sql)

    def get(self, pk: int) -> M | None:
        """The row, or None. Annotations come back as the database returns them (raw())."""
        sql = self._sql.get(connection.vendor) or self._compile()
        return next(iter(self._model._default_manager.raw(sql, [pk])), None)
