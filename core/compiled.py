"""Querysets whose SQL the ORM writes once per database, then run with fresh parameters.

On the API's hot paths the ORM spends longer writing SQL than the database spends running it
(`bench/read_path.py`): ~0.4 ms to compile the token lookup or a page of users, ~0.1 ms to run
it. A `CompiledQuery` asks the ORM for its queryset's SQL once, with a `Param` wherever a
request's value goes, and binds the values by name on every run. A row is read as the
database driver hands it over, without the ORM's converters: one JSON value that orjson
decodes (`values(row=JSONArray(...))`), or columns that the query's `item` function makes
into what its caller wants.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

import orjson
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler

from core import keyset


class Param(Expression):
    """A value bound when the query runs: `filter(pk=Param("user_id"))`.

    It compiles to a placeholder whose parameter is the Param itself, so the compiled
    statement knows which of its parameters to fill in, and under which name.

    `steers_plan`: the best plan depends on the value (a search term: an index for a rare one,
    the primary key's order for a common one), so a statement with it is planned for each run.
    Statements without one are prepared on PostgreSQL (`PREPARED`), where a plan made once
    serves every run.
    """

    def __init__(self, name: str, *, steers_plan: bool = False) -> None:
        super().__init__()
        self.name = name
        self.steers_plan = steers_plan

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        return "%s", (self,)


# The SQL of the compiled statements without a Param that steers the plan: the ones the
# PostgreSQL backend prepares (core.postgresql), and the only ones.
PREPARED: set[str] = set()


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...]  # the constants the ORM bound, and Params

    def __post_init__(self) -> None:
        if not any(isinstance(param, Param) and param.steers_plan for param in self.params):
            PREPARED.add(self.sql)

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset(param.name for param in self.params if isinstance(param, Param))

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        if values.keys() != self.names:
            raise TypeError(f"Expected the parameters {sorted(self.names)}, got {sorted(values)}.")
        return [values[p.name] if isinstance(p, Param) else p for p in self.params]

    def run(self, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows


def _statement(queryset: QuerySet[Any, Any]) -> Statement:
    sql, params = queryset.query.sql_with_params()
    return Statement(sql, tuple(params))


def _paged(rows: Statement) -> Statement:
    # Slicing the queryset would write the numbers into the SQL; these stay parameters.
    return Statement(
        f"{rows.sql} LIMIT %s OFFSET %s", (*rows.params, Param("limit"), Param("offset"))
    )


def _picked(queryset: QuerySet[Any, Any]) -> Statement:
    """The page's rows of `queryset` chosen by their keys first: `WHERE key IN (SELECT key …
    LIMIT … OFFSET …)`, the key being the order's if it has one (unique in the list, as a
    keyset order is: core.keyset), else the primary key. PostgreSQL computes a row's every
    column, subqueries included, before OFFSET skips it (~4 s to skip 500,000 users and their
    group ids); skipping keys is an index scan (~30 ms)."""
    order = queryset.query.order_by
    key = order[0] if len(order) == 1 and isinstance(order[0], str) else "pk"
    key = key.removeprefix("-")
    keys = _paged(_statement(queryset.values(key)))
    picked = RawSQL(keys.sql, keys.params)  # noqa: S611 (the ORM's SQL, parameters bound)
    return _statement(queryset.filter(**{f"{key}__in": picked}))


class _Statements:
    """A queryset's statements on one database, each compiled on first use."""

    def __init__(self, queryset: QuerySet[Any, Any]) -> None:
        self.queryset = queryset
        # SQLite skips rows without computing them: there, the plain page is the faster.
        self.pick_keys = connection.vendor == "postgresql"

    @cached_property
    def rows(self) -> Statement:
        return _statement(self.queryset)

    @cached_property
    def page(self) -> Statement:
        return _paged(self.rows)

    @cached_property
    def page_skipping(self) -> Statement:
        """A page with an OFFSET."""
        return _picked(self.queryset) if self.pick_keys else self.page

    @cached_property
    def _after(self) -> QuerySet[Any, Any]:
        """The rows past a position in the queryset's order (core.keyset): `after_0`, … are
        the values of its keys."""
        order = [key for key in self.queryset.query.order_by if isinstance(key, str)]
        if not order or len(order) != len(self.queryset.query.order_by):
            raise TypeError("A keyset page needs the queryset ordered by field names.")
        position = [Param(f"after_{index}") for index in range(len(order))]
        return self.queryset.filter(keyset.after(order, position))

    @cached_property
    def page_after(self) -> Statement:
        """The page past a position (a keyset page)."""
        return _paged(_statement(self._after))

    @cached_property
    def page_after_skipping(self) -> Statement:
        """The page past a position, with an OFFSET."""
        return _picked(self._after) if self.pick_keys else self.page_after

    @cached_property
    def count(self) -> Statement:
        matching = _statement(self.queryset.order_by().values("pk"))
        sql = f"SELECT COUNT(*) FROM ({matching.sql}) matching"  # noqa: S608 (the ORM's SQL)
        return Statement(sql, matching.params)


class CompiledQuery:
    """A queryset, read as its rows' items: `item(row)` for each row (a tuple of its columns),
    or without `item` its one JSON column decoded (`values(row=JSONArray(...))`)."""

    def __init__(
        self,
        queryset: QuerySet[Any, Any],
        *,
        item: Callable[[tuple[Any, ...]], Any] | None = None,
    ) -> None:
        self.queryset = queryset
        self.decode: Callable[[list[tuple[Any, ...]]], list[Any]] = (
            _decoded if item is None else partial(_items, item)
        )
        self._by_vendor: dict[str, _Statements] = {}

    def bind(self, **values: Any) -> "BoundQuery":
        statements = self._by_vendor.get(connection.vendor)
        if statements is None:
            statements = self._by_vendor[connection.vendor] = _Statements(self.queryset)
        return BoundQuery(statements, values, self.decode)


def _decoded(rows: list[tuple[Any, ...]]) -> list[Any]:
    return [orjson.loads(value) for (value,) in rows]


def _items(item: Callable[[tuple[Any, ...]], Any], rows: list[tuple[Any, ...]]) -> list[Any]:
    return [item(row) for row in rows]


@dataclass(frozen=True)
class BoundQuery:
    """A compiled query with its parameters, not yet run."""

    statements: _Statements
    values: Mapping[str, Any]
    decode: Callable[[list[tuple[Any, ...]]], list[Any]]

    def rows(self) -> list[Any]:
        return self.decode(self.statements.rows.run(self.values))

    def page(self, *, limit: int, offset: int = 0, after: Sequence[Any] | None = None) -> list[Any]:
        """`limit` rows from `offset` on; with `after`, counted from past that position in the
        queryset's order (a keyset page: the order must be unique)."""
        values = {**self.values, "limit": limit, "offset": offset}
        statements = self.statements
        if after is None:
            rows = (statements.page_skipping if offset else statements.page).run(values)
        else:
            position = {f"after_{index}": value for index, value in enumerate(after)}
            statement = statements.page_after_skipping if offset else statements.page_after
            rows = statement.run({**values, **position})
        return self.decode(rows)

    def count(self) -> int:
        ((count,),) = self.statements.count.run(self.values)
        return int(count)
