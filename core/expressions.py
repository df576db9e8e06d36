"""SQL the selectors share that Django does not write the same way for SQLite and PostgreSQL."""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, Func, JSONField
from django.db.models.sql.compiler import SQLCompiler

SQL = tuple[str, Any]


class JSONArrayAgg(Aggregate):
    """The aggregated values as one JSON array, decoded to a list (NULL over no rows).

    SQLite's JSON_GROUP_ARRAY; PostgreSQL's JSONB_AGG (jsonb, which Django's driver setup hands
    over as text like SQLite's). Not the PostgreSQL-only ArrayAgg: one selector serves both.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return self.as_sql(compiler, connection, function="JSONB_AGG", **extra)


class JSONArrayOrEmpty(Func):
    """A JSON array subquery as a value of JSONObject: `[]` where the subquery has no row.

    SQLite hands a subquery's JSON over as text, which JSON() marks as JSON again (JSON_OBJECT
    would embed it as a string); PostgreSQL's jsonb stays jsonb.
    """

    template = "JSON(COALESCE(%(expressions)s, '[]'))"
    output_field = JSONField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return self.as_sql(
            compiler, connection, template="COALESCE(%(expressions)s, '[]'::jsonb)", **extra
        )


class JSONDateTime(Func):
    """A datetime column as a value of JSONObject: RFC 3339, in UTC.

    SQLite keeps Django's UTC datetimes as naive text, "2026-01-02 03:04:05.678901": "T" and
    "Z" make it RFC 3339. PostgreSQL's jsonb writes a timestamptz with its offset itself.
    """

    template = "%(expressions)s"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return self.as_sql(
            compiler, connection, template="(REPLACE(%(expressions)s, ' ', 'T') || 'Z')", **extra
        )


class JSONColumn(Func):
    """A JSONField column as a value of JSONArray/JSONObject: the JSON it holds, not a string.

    SQLite stores JSON as text, which JSON() marks as JSON again (JSON_ARRAY would embed it as a
    string); PostgreSQL's jsonb stays jsonb.
    """

    template = "%(expressions)s"
    output_field = JSONField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return self.as_sql(compiler, connection, template="JSON(%(expressions)s)", **extra)
