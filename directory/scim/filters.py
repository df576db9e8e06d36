"""SCIM filters (RFC 7644 §3.4.2.2) as Django `Q` objects, and PATCH paths (RFC 7644 §3.5.2).

The grammar is scim2-models' (`ScimFilter`, `Path`): its LALR parser applies the RFC's errata,
the precedence `not` > `and` > `or`, JSON string escapes, operators and keywords in any case,
schema URN prefixes, and Entra ID's `emails[type eq "work"].value eq "x"`. This module gives
the parsed tree its meaning on the directory's models.

A resource type is described by a `Resource`: its model, its core schema URN and its
`attributes`, keyed by lower-case dotted SCIM paths ("username", "name.givenname",
"emails.value", "meta.lastmodified", "urn:…:enterprise:2.0:user:employeenumber" for an
extension). Each `Attribute` names the ORM lookup that holds it, its RFC 7643 §2.3 type and
its `caseExact` (§2.2). Then::

    User.objects.filter(filter_q('userName eq "bjensen" and not (emails pr)', USER))

`filter_q` raises `InvalidFilter` (400, scimType "invalidFilter", its message the detail) for
bad syntax, an attribute the resource does not have, an operator its type does not take
(`gt` on a boolean, `co` on a dateTime) or a literal of the wrong type (`active eq "x"`).

The rules, each the same in SQL and in `matches`:
- A complex attribute named alone means its "value" (`emails co "@x"`, `members eq "42"`).
- A string compares case-insensitively unless `case_exact`: `eq` is `lower(col) = lower(v)`,
  the expression of the unique index on lower(username), and `co`/`sw`/`ew` are Django's
  `icontains`… (`UPPER(col::text) LIKE UPPER(…)` on PostgreSQL, the trigram indexes'
  expression). `gt`… compare in the database's collation order.
- A boolean also accepts "true"/"false" as strings, in any case: Entra ID sends them.
- An `integer` attribute holds a SCIM string that is an integer in the database (`id`,
  `members.value`): a value that is not an integer is equal to no row (never an error).
- A dateTime literal is ISO 8601 (RFC 7643 §2.3.5); without an offset it is UTC.
- `pr` is "neither NULL nor empty"; `eq null` is `not pr`, `ne null` is `pr`.
- Two-valued logic: every comparison is true or false, never SQL's unknown, so `ne` is
  exactly `not (eq)` and both match the rows where the attribute has no value.
- A multi-valued attribute (`multi_valued`: its lookup crosses a to-many relation) matches when
  any of its values does, through `pk IN (…)` or `EXISTS (…)`, so no row is ever repeated;
  `ne` on it is `not (eq)`: no value is equal (scim2-models' reading). A value path's filter
  holds for one and the same value (`members[value eq "42" and display co "a"]`).
- `constant` is a sub-attribute with a fixed value (our one email's `type` "work"), which
  holds when its complex attribute is present.

PATCH: `parse_path` reads a path into a `PatchPath` (attribute, value filter, sub-attribute)
or raises `InvalidPath` (400, scimType "invalidPath"); `PatchPath.matches(element)`, or
`matches(filter, element, resource, within=…)`, evaluates its filter on one element of a
multi-valued attribute as the endpoint holds it (`{"value": "42", "display": "alice"}`).
"""

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from django.db.models import (
    CharField,
    Exists,
    Expression,
    F,
    ForeignObjectRel,
    Model,
    OuterRef,
    Q,
    Value,
)
from django.db.models.fields.related import RelatedField
from django.db.models.functions import Cast, Left, Lower, Right, StrIndex
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IEndsWith,
    IStartsWith,
    LessThan,
    LessThanOrEqual,
    Lookup,
)
from scim2_models import InvalidFilterException, InvalidPathException, Path, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"

# SQLite refuses an expression more than 1,000 levels deep, and a chain of `or` is one level
# per term there: a longer filter would be a 500, and no provisioning client sends one.
MAX_COMPARISONS = 100

Kind = Literal["string", "boolean", "dateTime", "integer", "reference"]
Op = CompareOperator

EQUALITY = frozenset({Op.eq, Op.ne})
ORDERING = frozenset({Op.gt, Op.ge, Op.lt, Op.le})
SUBSTRING = frozenset({Op.co, Op.sw, Op.ew})
OPERATORS: Mapping[Kind, frozenset[CompareOperator]] = {
    "string": EQUALITY | ORDERING | SUBSTRING,
    "reference": EQUALITY | ORDERING | SUBSTRING,
    "integer": EQUALITY | ORDERING | SUBSTRING,
    "boolean": EQUALITY,  # RFC 7644 §3.4.2.2: gt/ge/lt/le on a boolean is invalidFilter
    "dateTime": EQUALITY | ORDERING,
}
INT64 = 2**63 - 1  # SQLite cannot bind a larger integer


class InvalidFilter(ValueError):
    """RFC 7644 §3.4.2.2: 400 with scimType "invalidFilter"; the message is the detail."""

    scim_type = "invalidFilter"


class InvalidPath(ValueError):
    """RFC 7644 §3.5.2: 400 with scimType "invalidPath"; the message is the detail."""

    scim_type = "invalidPath"


@dataclass(frozen=True)
class Attribute:
    """Where a SCIM (sub-)attribute is stored, and how it compares (RFC 7643 §2.2, §2.3).

    `lookup` is an ORM path from the resource's model ("username", "groups__id"); None with a
    `constant` for a sub-attribute that is the same for every value, None without one for an
    attribute that cannot be filtered on (`meta.location`). `multi_valued` when the lookup
    crosses a to-many relation: the comparison then reads `pk IN (…)` or `EXISTS (…)`."""

    lookup: str | None
    kind: Kind = "string"
    case_exact: bool = False
    constant: object = None
    multi_valued: bool = False


@dataclass(frozen=True)
class Resource:
    """A SCIM resource type over a model: `schema` is its core schema URN, the prefix a path
    may carry (`urn:…:User:userName`); `attributes` are keyed by lower-case dotted paths, an
    extension's prefixed by its lower-case URN."""

    model: type[Model]
    schema: str
    attributes: Mapping[str, Attribute]


def _true() -> Q:
    return ~Q(pk__in=[])


def _false() -> Q:
    return Q(pk__in=[])


class _Nothing:
    """A literal no stored value can equal: `id eq "abc"` when ids are integers."""


NOTHING = _Nothing()


def parse_filter(expression: str) -> FilterNode:
    """The syntax tree of a filter (RFC 7644 §3.4.2.2), or InvalidFilter."""
    try:
        node = ScimFilter(expression).ast
    except InvalidFilterException as error:
        raise InvalidFilter(f"{error.detail} in the filter {expression!r}") from error
    if _count_comparisons(node) > MAX_COMPARISONS:
        raise InvalidFilter(f"a filter may hold at most {MAX_COMPARISONS} comparisons")
    return node


def _count_comparisons(node: FilterNode) -> int:
    if isinstance(node, Not):
        return _count_comparisons(node.expr)
    if isinstance(node, LogicalExpr):
        return sum(_count_comparisons(term) for term in node.terms)
    if isinstance(node, ValuePath):
        return _count_comparisons(node.val_filter)
    return 1


def filter_q(expression: str | FilterNode, resource: Resource) -> Q:
    """`Q` for `resource.model.objects.filter(…)`: the rows the filter matches, each once."""
    node = parse_filter(expression) if isinstance(expression, str) else expression
    return _ToQ(resource).visit(node)


def _resolve(resource: Resource, path: AttrPath, within: str = "") -> tuple[str, Attribute]:
    """The key and Attribute of a path, `within` a complex attribute's value filter.
    RFC 7644 §3.10: names are case-insensitive; a complex attribute alone is its "value"."""
    name = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
    if within:
        name = f"{within}.{name}"
    if path.uri and path.uri.lower() != resource.schema.lower():
        name = f"{path.uri.lower()}:{name}"
    for key in (name, f"{name}.value"):
        if key in resource.attributes:
            return key, resource.attributes[key]
    raise InvalidFilter(f"no attribute {str(path)!r} to filter on")


def _parent(key: str) -> str:
    return key.rpartition(".")[0]


def _value(key: str, attribute: Attribute, node: Comparison) -> object:
    """A comparison's literal as the attribute's type; None for `null`."""
    if node.value is None:
        if node.op not in EQUALITY:
            raise InvalidFilter(f"null compares only with 'eq' or 'ne', not {node.op.value!r}")
        return None
    return _literal(key, attribute, node.op, node.value)


def _literal(key: str, attribute: Attribute, op: CompareOperator, value: object) -> object:
    """The filter's value as the attribute's type (RFC 7643 §2.3), NOTHING when it cannot
    equal any stored value, or InvalidFilter."""
    if op not in OPERATORS[attribute.kind]:
        raise InvalidFilter(f"{op.value!r} does not apply to {key!r}, a {attribute.kind}")
    kind = attribute.kind
    if kind in ("string", "reference") and isinstance(value, str):
        return value
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        # Entra ID sends booleans as strings ("False"), also in filters.
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    if kind == "integer" and not isinstance(value, bool):
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,30}", value):
            value = int(value)
        if isinstance(value, int):
            if op in ORDERING:
                return max(-INT64, min(INT64, value))
            return value if op in SUBSTRING or abs(value) <= INT64 else NOTHING
        if isinstance(value, str):
            if op in ORDERING:
                raise InvalidFilter(f"{key!r} compares with an integer, not {value!r}")
            return value if op in SUBSTRING else NOTHING
    if kind == "dateTime" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidFilter(f"{value!r} is not an ISO 8601 dateTime, for {key!r}") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise InvalidFilter(f"{key!r} is a {kind}: it cannot be compared with {value!r}")


def _nullable(model: type[Model], lookup: str) -> bool:
    """Whether the lookup can read NULL: a nullable column, or a relation that may be
    missing (a LEFT JOIN)."""
    for name in lookup.split("__"):
        found = model._meta.get_field(name)
        if isinstance(found, ForeignObjectRel) or found.null:
            return True
        related = found.related_model
        if isinstance(found, RelatedField) and isinstance(related, type):
            model = related
    return False


def _split_relation(model: type[Model], lookup: str) -> tuple[type[Model], str, str]:
    """(the related model, its lookup back to `model`, the rest of the lookup) for a lookup
    whose first step is a to-many relation: "groups__id" → (Group, "user", "id")."""
    first, _, rest = lookup.partition("__")
    relation = model._meta.get_field(first)
    related = relation.related_model
    if not rest or related is None or isinstance(related, str):
        raise TypeError(f"{lookup!r} does not cross a relation of {model.__name__}")
    if isinstance(relation, ForeignObjectRel):
        return related, relation.field.name, rest
    if isinstance(relation, RelatedField):
        return related, relation.related_query_name(), rest
    raise TypeError(f"{lookup!r} does not cross a relation of {model.__name__}")


def _compare(
    column: str, attribute: Attribute, op: CompareOperator, value: object, nullable: bool
) -> Q:
    """One comparison (not `ne`: `not eq`) on a column, a lookup from the queried model: true
    or false, never SQL's unknown, so that `not` is exact."""
    if value is None:
        return ~_present(column, attribute)
    if isinstance(value, _Nothing):
        return _false()
    q = _comparison(column, attribute, op, value)
    return q & Q(**{f"{column}__isnull": False}) if nullable else q


_LOOKUPS: "Mapping[CompareOperator, type[Lookup[Any]]]" = {
    Op.eq: Exact,
    Op.gt: GreaterThan,
    Op.ge: GreaterThanOrEqual,
    Op.lt: LessThan,
    Op.le: LessThanOrEqual,
}


def _comparison(column: str, attribute: Attribute, op: CompareOperator, value: object) -> Q:
    fold = attribute.kind in ("string", "reference") and not attribute.case_exact
    if op in SUBSTRING:
        if attribute.kind == "integer":
            return _substring(Cast(column, output_field=CharField()), op, str(value), exact=True)
        return _substring(F(column), op, str(value), exact=not fold)
    if fold:
        # lower() on both sides: the expression of the unique index on lower(username), and
        # the same folding of the value as of the column on either database.
        return Q(_LOOKUPS[op](Lower(column), Lower(Value(value))))
    return Q(_LOOKUPS[op](F(column), value))


_LIKE: "Mapping[CompareOperator, type[Lookup[Any]]]" = {
    Op.co: IContains,
    Op.sw: IStartsWith,
    Op.ew: IEndsWith,
}


def _substring(text: Expression | F, op: CompareOperator, value: str, *, exact: bool) -> Q:
    """co/sw/ew. Case-insensitive: Django's i-lookups, which escape LIKE's wildcards and, on
    PostgreSQL, read `UPPER(col::text)`, the trigram indexes' expression. Case-exact: the same
    (so an index still narrows the rows) and a check of the characters themselves, as
    SQLite's LIKE ignores case."""
    like = Q(_LIKE[op](text, value))
    if not exact:
        return like
    if op == Op.co:
        return like & Q(GreaterThan(StrIndex(text, Value(value)), 0))
    cut: Callable[..., Expression] = Left if op == Op.sw else Right
    return like & Q(Exact(cut(text, len(value)), Value(value)))


def _present(column: str, attribute: Attribute) -> Q:
    """RFC 7644 §3.4.2.2 `pr`: a value that is neither null nor empty."""
    q = Q(**{f"{column}__isnull": False})
    if attribute.kind in ("string", "reference"):
        q &= ~Q(**{column: ""})
    return q


def _any_value(related: type[Model], back: str, inner: Q, *, negated: bool) -> Q:
    """The rows with a value (a row of `related`) that matches `inner`, each once. Where the
    filter keeps them, `pk IN (…)`: SQLite drives it from the subquery when that is selective,
    where a correlated EXISTS reads every row. Where it negates them, `EXISTS (…)`, as
    PostgreSQL turns `NOT EXISTS` into an anti-join but reads `NOT IN` row by row once the
    subquery outgrows work_mem."""
    rows = related._default_manager.filter(inner)
    if negated:
        return Q(Exists(rows.filter(**{back: OuterRef("pk")})))
    return Q(pk__in=rows.filter(**{f"{back}__isnull": False}).values(back))


@dataclass
class _ToQ(FilterVisitor[Q]):
    """The Q of a filter tree. Inside a multi-valued attribute's value path, `relation` is
    the model its lookups start from, and their common first step is cut off."""

    resource: Resource
    within: str = ""
    model: type[Model] | None = None
    relation: str = ""
    negated: bool = False  # under an odd number of `not`s

    def _negated(self) -> "_ToQ":
        return replace(self, negated=not self.negated)

    def _column(self, key: str, lookup: str, attribute: Attribute) -> str:
        if not self.relation:
            return lookup
        first, _, rest = lookup.partition("__")
        if first != self.relation or not attribute.multi_valued:
            raise InvalidFilter(f"{key!r} is not a sub-attribute of {self.within!r}")
        return rest

    def _leaf(
        self,
        path: AttrPath,
        build: Callable[[str, Attribute, bool], Q],
        constant: Callable[[Attribute], bool],
    ) -> Q:
        key, attribute = _resolve(self.resource, path, self.within)
        if attribute.lookup is None:
            if attribute.constant is None:
                raise InvalidFilter(f"{key!r} cannot be filtered on")
            if not constant(attribute):
                return _false()
            # The constant holds for each value there is: our one email is always "work".
            holder = self.resource.attributes.get(f"{_parent(key)}.value")
            if holder is None or holder.lookup is None:
                return _true()
            within = replace(self, within=_parent(key))
            return within.visit_present(Present(AttrPath(attr="value")))
        if attribute.multi_valued and not self.relation:
            related, back, rest = _split_relation(self.resource.model, attribute.lookup)
            inner = build(rest, attribute, _nullable(related, rest))
            return _any_value(related, back, inner, negated=self.negated)
        column = self._column(key, attribute.lookup, attribute)
        return build(column, attribute, _nullable(self.model or self.resource.model, column))

    def visit_comparison(self, node: Comparison) -> Q:
        if node.op == Op.ne:
            # not (eq) as a whole: on a multi-valued attribute, no value is equal.
            return ~self._negated().visit_comparison(Comparison(node.attr_path, Op.eq, node.value))
        key, attribute = _resolve(self.resource, node.attr_path, self.within)
        value = _value(key, attribute, node)
        return self._leaf(
            node.attr_path,
            lambda column, attribute, nullable: _compare(
                column, attribute, node.op, value, nullable
            ),
            lambda attribute: _compare_values(attribute, node.op, attribute.constant, value),
        )

    def visit_present(self, node: Present) -> Q:
        return self._leaf(
            node.attr_path,
            lambda column, attribute, nullable: _present(column, attribute),
            lambda attribute: True,
        )

    def visit_not(self, node: Not) -> Q:
        return ~self._negated().visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        terms = [self.visit(term) for term in node.terms]
        combined = terms[0]
        for term in terms[1:]:
            combined = combined & term if node.op == LogicalOperator.and_ else combined | term
        return combined

    def visit_value_path(self, node: ValuePath) -> Q:
        if self.within:
            raise InvalidFilter("a value path cannot hold another")
        key = _complex_key(self.resource, node.attr_path, InvalidFilter)
        lookups = {
            attribute.lookup
            for name, attribute in self.resource.attributes.items()
            if name.startswith(f"{key}.") and attribute.multi_valued and attribute.lookup
        }
        if not lookups:
            # A single complex value: the filter holds only where there is one.
            inner = replace(self, within=key).visit(node.val_filter)
            holder = self.resource.attributes.get(f"{key}.value")
            if holder is None or holder.lookup is None:
                return inner
            return inner & self.visit_present(Present(AttrPath(attr=key, sub_attr="value")))
        model = self.resource.model
        relations = {lookup.partition("__")[0] for lookup in lookups}
        if len(relations) != 1:
            raise TypeError(f"the sub-attributes of {key!r} cross different relations")
        related, back, _ = _split_relation(model, next(iter(lookups)))
        inner = _ToQ(self.resource, key, related, relations.pop()).visit(node.val_filter)
        return _any_value(related, back, inner, negated=self.negated)


def _complex_key(resource: Resource, path: AttrPath, error: type[ValueError]) -> str:
    """The key of the attribute before a value path's brackets: one with sub-attributes."""
    if path.sub_attr:
        raise error(f"a value filter applies to an attribute, not to {str(path)!r}")
    name = path.attr.lower()
    if path.uri and path.uri.lower() != resource.schema.lower():
        name = f"{path.uri.lower()}:{name}"
    if not any(key.startswith(f"{name}.") for key in resource.attributes):
        raise error(f"{str(path)!r} has no values to filter")
    return name


def _compare_values(
    attribute: Attribute, op: CompareOperator, actual: object, expected: object
) -> bool:
    """One comparison in Python, with the rules of the SQL one."""
    if expected is None:
        return not _is_present(actual)
    if isinstance(expected, _Nothing) or actual is None:
        return False
    left = _comparable(attribute, actual)
    right = _comparable(attribute, expected)
    if left is NOTHING or right is NOTHING:
        return False
    if attribute.kind in ("string", "reference") and not attribute.case_exact:
        left, right = str(left).lower(), str(right).lower()
    if op in SUBSTRING:
        left, right = str(left), str(right)
        if op == Op.co:
            return right in left
        return left.startswith(right) if op == Op.sw else left.endswith(right)
    try:
        return bool(_OPERATORS[op](left, right))
    except TypeError:  # values of two types: 1 and "x"
        return False


_OPERATORS: Mapping[CompareOperator, Callable[[Any, Any], Any]] = {
    Op.eq: operator.eq,
    Op.gt: operator.gt,
    Op.ge: operator.ge,
    Op.lt: operator.lt,
    Op.le: operator.le,
}


def _comparable(attribute: Attribute, value: object) -> object:
    """A stored or given value as the attribute's type, for `_compare_values`."""
    if attribute.kind == "boolean" and isinstance(value, str):
        return value.lower() == "true" if value.lower() in ("true", "false") else NOTHING
    if attribute.kind == "integer" and isinstance(value, str):
        return int(value) if re.fullmatch(r"-?[0-9]{1,30}", value) else NOTHING
    if attribute.kind == "dateTime" and isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return NOTHING
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _is_present(value: object) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, list | tuple):
        return any(_is_present(item) for item in value)
    if isinstance(value, Mapping):
        return any(_is_present(item) for item in value.values())
    return True


def _read(element: Mapping[str, object], names: list[str]) -> object:
    """The value at a path of SCIM names in a resource or an element, names compared without
    case; a list where a multi-valued attribute is crossed."""
    value: object = element
    for name in names:
        if isinstance(value, list):
            return [_read(item, [name]) for item in value if isinstance(item, Mapping)]
        if not isinstance(value, Mapping):
            return None
        value = next((v for k, v in value.items() if k.lower() == name), None)
    return value


@dataclass
class _Matcher(FilterVisitor[bool]):
    resource: Resource
    element: Mapping[str, object]
    within: str = ""

    def _names(self, key: str) -> list[str]:
        """The names leading to `key` in the element: the URN of an extension is a key."""
        relative = key.removeprefix(f"{self.within}.") if self.within else key
        urn, _, dotted = relative.rpartition(":")
        return ([urn] if urn else []) + dotted.split(".")

    def _read(self, key: str, attribute: Attribute) -> object:
        if attribute.lookup is None and attribute.constant is None:
            raise InvalidFilter(f"{key!r} cannot be filtered on")
        names = self._names(key)
        if attribute.constant is None:
            return _read(self.element, names)
        # The same for each value there is, whatever the element says.
        holders = _read(self.element, [*names[:-1], "value"])
        if isinstance(holders, list):
            return [attribute.constant if _is_present(h) else None for h in holders]
        return attribute.constant if _is_present(holders) else None

    def visit_comparison(self, node: Comparison) -> bool:
        if node.op == Op.ne:
            return not self.visit_comparison(Comparison(node.attr_path, Op.eq, node.value))
        key, attribute = _resolve(self.resource, node.attr_path, self.within)
        expected = _value(key, attribute, node)
        actual = self._read(key, attribute)
        if isinstance(actual, list) and expected is not None:
            return any(_compare_values(attribute, node.op, item, expected) for item in actual)
        return _compare_values(attribute, node.op, actual, expected)

    def visit_present(self, node: Present) -> bool:
        key, attribute = _resolve(self.resource, node.attr_path, self.within)
        return _is_present(self._read(key, attribute))

    def visit_not(self, node: Not) -> bool:
        return not self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> bool:
        results = (self.visit(term) for term in node.terms)
        return all(results) if node.op == LogicalOperator.and_ else any(results)

    def visit_value_path(self, node: ValuePath) -> bool:
        if self.within:
            raise InvalidFilter("a value path cannot hold another")
        key = _complex_key(self.resource, node.attr_path, InvalidFilter)
        values = _read(self.element, self._names(key))
        items = values if isinstance(values, list) else [values]
        return any(
            _Matcher(self.resource, item, key).visit(node.val_filter)
            for item in items
            if isinstance(item, Mapping)
        )


def matches(
    expression: str | FilterNode,
    element: Mapping[str, object],
    resource: Resource,
    *,
    within: str = "",
) -> bool:
    """Whether `element` matches the filter, in memory, with `filter_q`'s rules. `element` is
    a resource as SCIM shows it, or, `within` a complex attribute ("members"), one of its
    values: the PATCH operations of RFC 7644 §3.5.2 act on the values a path's filter picks."""
    node = parse_filter(expression) if isinstance(expression, str) else expression
    return _Matcher(resource, element, within).visit(node)


@dataclass(frozen=True)
class PatchPath:
    """A PATCH path (RFC 7644 §3.5.2): `attribute` is the key of the attribute it names, or
    of a complex attribute's prefix ("name", "members"); `filter` the value filter in its
    brackets; `sub_attribute` the lower-case name after them (`emails[…].value`)."""

    attribute: str
    filter: FilterNode | None
    sub_attribute: str | None
    resource: Resource = field(repr=False, compare=False)

    def matches(self, element: Mapping[str, object]) -> bool:
        """Whether one value of the multi-valued attribute is a target of the operation."""
        if self.filter is None:
            return True
        return _Matcher(self.resource, element, self.attribute).visit(self.filter)


def parse_path(path: str, resource: Resource) -> PatchPath:
    """A PATCH operation's path, checked against the resource's attributes, or InvalidPath."""
    try:
        node = Path(path).ast
    except InvalidPathException as error:
        raise InvalidPath(f"{error.detail} in the path {path!r}") from error
    if node is None:
        raise InvalidPath("invalid syntax: an empty path")
    if isinstance(node, AttrPath):
        key = node.attr.lower() + (f".{node.sub_attr.lower()}" if node.sub_attr else "")
        if node.uri and node.uri.lower() != resource.schema.lower():
            key = f"{node.uri.lower()}:{key}"
        known = key in resource.attributes or any(
            name.startswith(f"{key}.") for name in resource.attributes
        )
        if not known:
            raise InvalidPath(f"no attribute {str(node)!r} in the path {path!r}")
        return PatchPath(key, None, None, resource)
    if not isinstance(node, ValuePath):
        raise InvalidPath(f"the path {path!r} is a filter, not an attribute")
    key = _complex_key(resource, node.attr_path, InvalidPath)
    sub = node.sub_attr.lower() if node.sub_attr else None
    if sub is not None and f"{key}.{sub}" not in resource.attributes:
        raise InvalidPath(f"no sub-attribute {node.sub_attr!r} of {key!r} in {path!r}")
    try:
        _check(node.val_filter, resource, key)
    except InvalidFilter as error:
        raise InvalidPath(f"{error} in the path {path!r}") from error
    return PatchPath(key, node.val_filter, sub, resource)


def _check(node: FilterNode, resource: Resource, within: str) -> None:
    """Raise what the filter gets wrong about the attributes, without evaluating it."""
    if isinstance(node, Not):
        _check(node.expr, resource, within)
    elif isinstance(node, LogicalExpr):
        for term in node.terms:
            _check(term, resource, within)
    elif isinstance(node, ValuePath):
        raise InvalidFilter("a value path cannot hold another")
    elif isinstance(node, Comparison):
        key, attribute = _resolve(resource, node.attr_path, within)
        _value(key, attribute, node)
    elif isinstance(node, Present):
        _resolve(resource, node.attr_path, within)
