from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, JSONField
from django.db.models.sql.compiler import SQLCompiler


class JSONArray(Aggregate):
    """The aggregated values as one JSON array, decoded to a list (NULL over no rows).

    SQLite's JSON_GROUP_ARRAY; PostgreSQL's JSONB_AGG (jsonb, which Django's driver setup hands
    over as text like SQLite's). Not the PostgreSQL-only ArrayAgg: one selector serves both.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra)
