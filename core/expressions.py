"""SQL the selectors share that Django does not write the same way for SQLite and PostgreSQL."""

from typing import Any

import orjson
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, Func, JSONField, QuerySet, Subquery, functions
from django.db.models.sql.compiler import SQLCompiler

SQL = tuple[str, Any]


class JSONArrayAgg(Aggregate):
    """The aggregated values as one JSON array, decoded to a list (NULL over no rows).

    SQLite's JSON_GROUP_ARRAY; PostgreSQL's JSON_AGG (json, handed over as text like SQLite's:
    core.postgresql). Not the PostgreSQL-only ArrayAgg: one selector serves both.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return self.as_sql(compiler, connection, function="JSON_AGG", **extra)


class JSONDateTime(Func):
    """A datetime column as a value of JSONArray: RFC 3339, in UTC.

    SQLite keeps Django's UTC datetimes as naive text, "2026-01-02 03:04:05.678901": "T" and
    "Z" make it RFC 3339. PostgreSQL's json writes a timestamptz with its offset itself.
    """

    template = "%(expressions)s"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return self.as_sql(
            compiler, connection, template="(REPLACE(%(expressions)s, ' ', 'T') || 'Z')", **extra
        )


class JSONColumn(Func):
    """A JSONField column as a value of JSONArray: the JSON it holds, not a string.

    SQLite stores JSON as text, which JSON() marks as JSON again (JSON_ARRAY would embed it as a
    string); PostgreSQL's jsonb stays jsonb.
    """

    template = "%(expressions)s"
    output_field = JSONField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return self.as_sql(compiler, connection, template="JSON(%(expressions)s)", **extra)


class JSONArray(functions.JSONArray):
    """Django's JSONArray, built as `json` on PostgreSQL (JSON_BUILD_ARRAY), not `jsonb`.

    A row the database writes only to be read once needs no jsonb: building jsonb converts
    every value, which costs PostgreSQL more than writing json text.
    """

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return Func.as_sql(self, compiler, connection, function="JSON_BUILD_ARRAY", **extra)


class IdArray(Subquery):
    """The ids a one-column queryset selects, ascending, as one value of a row.

    PostgreSQL: ARRAY(subquery), an int[] that psycopg reads as a list. SQLite has no arrays:
    JSON_GROUP_ARRAY over the subquery, JSON text; and SQLite does not promise that the
    aggregate keeps its input's order. `IdArray.ids` reads either as a sorted list.
    """

    template = "ARRAY(%(subquery)s)"

    def __init__(self, queryset: QuerySet[Any, Any]) -> None:
        super().__init__(queryset.order_by(*queryset.query.values_select))

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        (column,) = self.query.values_select
        array = f"JSON_GROUP_ARRAY({connection.ops.quote_name(column)})"
        template = f"(SELECT {array} FROM (%(subquery)s))"  # noqa: S608 (a quoted column)
        return self.as_sql(compiler, connection, template=template, **extra)

    @staticmethod
    def ids(value: list[int] | str) -> list[int]:
        return value if isinstance(value, list) else sorted(orjson.loads(value))
