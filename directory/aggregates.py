from typing import Any

import orjson
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, Expression, JSONField
from django.db.models.sql.compiler import SQLCompiler


class JSONArrayField(JSONField):
    """JSONField as an aggregate's output: decoded by orjson, ~10x faster than the json module
    on short arrays (a page of users decodes one per row)."""

    def from_db_value(self, value: Any, expression: Expression, connection: Any) -> Any:
        return None if value is None else orjson.loads(value)


class JSONArray(Aggregate):
    """The aggregated values as one JSON array, decoded to a list (NULL over no rows).

    SQLite's JSON_GROUP_ARRAY; PostgreSQL's JSONB_AGG (jsonb, which Django's driver setup hands
    over as text like SQLite's). Not the PostgreSQL-only ArrayAgg: one selector serves both.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = JSONArrayField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra)
