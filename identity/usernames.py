"""Usernames are unique regardless of case: directory's migration 0002 puts a unique index on
`lower(username)`, and every lookup by name compares the same `LOWER()` on both sides, so the
lookup and the index agree on each database. SQLite's lower() folds ASCII letters only
(`Émile` and `émile` are two users there); PostgreSQL's folds Unicode letters too."""

from django.contrib.auth.models import User
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact


def same_username(name: str) -> Exact:
    """`lower(username) = lower(name)`: the expression the unique index is built on."""
    return Exact(Lower("username"), Lower(Value(name)))


def users_named(name: str) -> QuerySet[User]:
    """The user called `name` whatever its case (at most one, by the index)."""
    return User.objects.filter(same_username(name))
