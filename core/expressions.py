"""SQL the selectors share that Django does not write the same way for SQLite and PostgreSQL."""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, Func, JSONField, TextField, functions
from django.db.models.functions import Cast
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


class JSONArrayOrEmpty(Func):
    """A JSON array subquery as a value of JSONObject: `[]` where the subquery has no row.

    SQLite hands a subquery's JSON over as text, which JSON() marks as JSON again (JSON_OBJECT
    would embed it as a string); PostgreSQL's json stays json.
    """

    template = "JSON(COALESCE(%(expressions)s, '[]'))"
    output_field = JSONField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return self.as_sql(
            compiler, connection, template="COALESCE(%(expressions)s, '[]'::json)", **extra
        )


class JSONDateTime(Func):
    """A datetime column as a value of JSONObject: RFC 3339, in UTC.

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


class JSONObject(functions.JSONObject):
    """Django's JSONObject, built as `json` on PostgreSQL (JSON_BUILD_OBJECT), not `jsonb`.

    A row the database writes only to be read once needs no jsonb: building jsonb sorts and
    deduplicates the keys and converts every value, which costs PostgreSQL more than writing
    json text (`make bench`). The keys keep their order, as on SQLite.
    """

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        built = self.copy()
        # A key is a parameter, whose type server-side binding must be told.
        built.set_source_expressions(
            [
                Cast(expression, TextField()) if index % 2 == 0 else expression
                for index, expression in enumerate(built.get_source_expressions())
            ]
        )
        return Func.as_sql(built, compiler, connection, function="JSON_BUILD_OBJECT", **extra)


class JSONArray(functions.JSONArray):
    """Django's JSONArray, built as `json` on PostgreSQL (JSON_BUILD_ARRAY), not `jsonb`:
    see JSONObject."""

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        return Func.as_sql(self, compiler, connection, function="JSON_BUILD_ARRAY", **extra)
