"""A model's fields as one JSON object written by the database, and an instance from it."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import connection
from django.db.models import DateTimeField, Model
from django.db.models.functions import JSONObject

from core.expressions import JSONDateTime

M = TypeVar("M", bound=Model)


def fields_json(model: type[Model], attnames: Iterable[str], *, via: str = "") -> JSONObject:
    """`attnames` of `model`, reached through the relation path `via` (e.g. "user__")."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return JSONObject(
        **{
            name: JSONDateTime(via + name)
            if isinstance(fields[name], DateTimeField)
            else via + name
            for name in attnames
        }
    )


def instance_from_json(model: type[M], values: Mapping[str, Any]) -> M:
    """The instance the ORM would load from these values: each converted by its field's
    `to_python` (SQLite's 1 into True, RFC 3339 text into an aware datetime), the fields not
    given deferred."""
    fields = [field for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(
        connection.alias,
        [field.attname for field in fields],
        [field.to_python(values[field.attname]) for field in fields],
    )
