"""SQLite's full-text index of users for `?search=` (migration 0004): read through the ORM, so
the search is an ordinary queryset (directory.selectors). Not a table on PostgreSQL, whose
trigram indexes serve the same search (migration 0001)."""

from typing import Any

from django.contrib.auth.models import Group, User
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import IContains, Lookup
from django.db.models.sql.compiler import SQLCompiler

USER_SEARCH = "directory_user_search"


class FullText(models.TextField):  # type: ignore[type-arg]
    """An FTS5 table's hidden column named after the table: `match` searches all its columns."""


@FullText.register_lookup
class Match(Lookup):
    """`<table> MATCH "<term>"`: the term as one FTS5 phrase (its `"` doubled), so it is
    searched as a literal string, never read as a query's operators."""

    lookup_name = "match"

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        phrase = f"""'"' || REPLACE({rhs}, '"', '""') || '"'"""
        return f"{lhs} MATCH {phrase}", (*lhs_params, *rhs_params)


# U+001F, the unit separator: no search term contains it (directory.routers.params.Search).
SEPARATOR = 31


class SearchText(models.Func):
    """Text columns joined by SEPARATOR: a term without it is in the joined text exactly when
    it is in one of the columns, so one `icontains` on it searches them all, and one trigram
    index on it serves that search on PostgreSQL (migration 0007), rather than one index per
    column. The SQL has no parameter, so the index's expression and the lookup's are the same
    text."""

    template = "(%(expressions)s)"
    arg_joiner = f" || CHR({SEPARATOR}) || "
    output_field = models.TextField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Any]:
        joiner = f" || CHAR({SEPARATOR}) || "
        return self.as_sql(compiler, connection, arg_joiner=joiner, **extra)


class ContainsAny(IContains):
    """`icontains` on a SearchText: the term is in one of its columns. On SQLite, an
    `icontains` per column joined by OR, the same rows without building the joined text for
    each row a search scans (~0.5 s against ~1 s at a million users)."""

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[Any, ...]]:
        columns = self.lhs.get_source_expressions()
        parts = [compiler.compile(IContains(column, self.rhs)) for column in columns]
        sql = " OR ".join(f"({part})" for part, _ in parts)
        return f"({sql})", tuple(param for _, params in parts for param in params)


class UserSearch(models.Model):
    """One row per user (kept by triggers on auth_user), its rowid the user's id: an FTS5 table
    with SQLite's trigram tokenizer, which matches any substring of 3 characters or more,
    ignoring case, in rowid order."""

    user = models.OneToOneField(
        User, models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="+"
    )
    text = FullText(db_column=USER_SEARCH)

    class Meta:
        managed = False
        db_table = USER_SEARCH
        default_permissions = ()

    def __str__(self) -> str:
        return f"search entry of user {self.pk}"


class UserExternalId(models.Model):
    """A user's SCIM `externalId` (RFC 7643 §3.1): the provisioning client's own identifier,
    kept as sent (case-exact) and unique, so that a client can find the user it created by it
    (`filter=externalId eq "..."`, an index lookup)."""

    user = models.OneToOneField(
        User, models.CASCADE, primary_key=True, related_name="scim_external_id"
    )
    external_id = models.CharField(max_length=255, unique=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"externalId of user {self.pk}"


class GroupExternalId(models.Model):
    """A group's SCIM `externalId`, as UserExternalId."""

    group = models.OneToOneField(
        Group, models.CASCADE, primary_key=True, related_name="scim_external_id"
    )
    external_id = models.CharField(max_length=255, unique=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"externalId of group {self.pk}"
