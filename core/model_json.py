"""Model instances read from a JSON array the database writes (`JSONArray(*fields_json(...))`),
for a compiled query (core.compiled) that must hand over what the ORM would have loaded."""

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import DateTimeField, F, Field, JSONField, Model

from core.expressions import JSONColumn, JSONDateTime

M = TypeVar("M", bound=Model)


def fields_json(model: type[Model], attnames: Sequence[str], *, via: str = "") -> list[Any]:
    """The expressions for `attnames` of `model`, reached through the relation path `via`
    (e.g. "user__"), as values of a JSON array: datetimes in RFC 3339, JSON columns as JSON."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return [_field_json(fields[name], via + name) for name in attnames]


def _field_json(field: "Field[Any, Any]", path: str) -> Any:
    if isinstance(field, DateTimeField):
        return JSONDateTime(path)
    if isinstance(field, JSONField):
        return JSONColumn(path)
    return F(path)


def instance_from_json(model: type[M], attnames: Sequence[str], values: Sequence[Any]) -> M:
    """The instance the ORM would load: each value converted by its field's `to_python`
    (SQLite's 1 into True, RFC 3339 text into an aware datetime), other fields deferred."""
    if len(values) != len(attnames):
        raise ValueError(f"{len(attnames)} fields of {model.__name__}, {len(values)} values.")
    names, fields = _loading(model, tuple(attnames))
    return model.from_db(
        connection.alias, names, [field.to_python(values[index]) for index, field in fields]
    )


@cache
def _loading(
    model: type[Model], attnames: tuple[str, ...]
) -> tuple[list[str], list[tuple[int, "Field[Any, Any]"]]]:
    """The given fields in the order from_db() wants (the model's), each with its position
    among the values: worked out once per query, not per row."""
    position = {name: index for index, name in enumerate(attnames)}
    fields = [field for field in model._meta.concrete_fields if field.attname in position]
    return [field.attname for field in fields], [(position[f.attname], f) for f in fields]
