"""The query builder's immutable state and statement building (no I/O here).

``QueryBuilder`` (sync) and ``AsyncQueryBuilder`` (async) share everything
defined here: every chaining method returns a new builder and leaves the
original untouched; only their terminal methods (``all()``, ``paginate()``,
...) touch the database.

Filters given as keywords use the ``get_rows`` grammar (``col=v``,
``col__<op>=v``) and may follow relationships: ``team__name="X"`` on ``Hero``
becomes ``EXISTS`` over the related table (``has()`` for a scalar relationship,
``any()`` for a collection).  :func:`or_`, :func:`and_` and :func:`not_`
combine groups of such filters::

    builder.where(or_({"age__gte": 40}, {"team__name": "X"}), not_(name="Y"))
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload, lazyload, raiseload, selectinload
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import ColumnClause, TextClause, UnaryExpression
from sqlmodel.sql.expression import SelectOfScalar

from sqlmodel_crud_utils._core.filters import (
    build_filters,
    column_keys,
    model_name,
    relationship_keys,
)
from sqlmodel_crud_utils.exceptions import (
    InvalidArgumentError,
    UnknownColumnError,
    UnknownFilterError,
)
from sqlmodel_crud_utils.pagination import SortKey, order_clause, ordering_fingerprint

if TYPE_CHECKING:
    from typing_extensions import Self

ModelT = TypeVar("ModelT")

#: Label of the window-function total added to one-round-trip pages.
TOTAL_LABEL = "scu_total"


# --------------------------------------------------------------------------- #
# Filter groups
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class FilterGroup:
    """Filters combined with AND, OR or NOT, resolved against the builder's model.

    Build them with :func:`and_`, :func:`or_` and :func:`not_`.  Each item is a
    mapping of keyword filters (AND-ed), a SQL expression or another group.
    """

    kind: str
    items: tuple[Any, ...]


def _group_items(
    items: tuple[Any, ...], keywords: Mapping[str, Any], each: bool
) -> tuple[Any, ...]:
    extra = [{key: value} for key, value in keywords.items()] if each else [dict(keywords)]
    return items + tuple(extra if keywords else ())


def and_(*items: Any, **filters: Any) -> FilterGroup:
    """All of ``items`` (mappings, expressions or groups) and ``filters`` hold."""
    return FilterGroup("and", _group_items(items, filters, each=False))


def or_(*items: Any, **filters: Any) -> FilterGroup:
    """At least one of ``items`` holds; each keyword filter is its own alternative.

    Example: ``or_({"age__gte": 40, "active": True}, name="Ann")`` is
    ``(age >= 40 AND active) OR name = 'Ann'``.
    """
    return FilterGroup("or", _group_items(items, filters, each=True))


def not_(*items: Any, **filters: Any) -> FilterGroup:
    """The negation of ``items`` and ``filters`` AND-ed together."""
    return FilterGroup("not", (and_(*items, **filters),))


def _as_value_error(exc: Exception, key: str) -> InvalidArgumentError:
    return InvalidArgumentError(str(getattr(exc, "message", None) or exc), field=key)


def keyword_clauses(model: Any, filters: Mapping[str, Any]) -> list[Any]:
    """WHERE clauses for keyword filters, following relationships.

    Raises:
        InvalidArgumentError: (a ``ValueError``) an unknown column, operator or
            relationship, or a value unusable with its operator.
    """
    clauses: list[Any] = []
    columns = column_keys(model)
    relationships = relationship_keys(model)
    plain: dict[str, Any] = {}
    for key, value in filters.items():
        head, sep, rest = key.partition("__")
        if sep and head in relationships and key not in columns:
            prop = sa_inspect(model).relationships[head]
            inner = keyword_clauses(prop.mapper.class_, {rest: value})
            attr = getattr(model, head)
            clauses.append(attr.any(*inner) if prop.uselist else attr.has(*inner))
        else:
            plain[key] = value
    try:
        plan = build_filters(model, plain, strict=True)
    except (UnknownColumnError, UnknownFilterError) as exc:
        raise _as_value_error(exc, str(getattr(exc, "field", "") or "")) from exc
    clauses.extend(plan.clauses)
    clauses.extend(getattr(model, key) == value for key, value in plan.by_attribute.items())
    return clauses


def resolve_clause(model: Any, item: Any) -> Any:
    """Turn a mapping, group or expression into one SQL boolean expression."""
    if isinstance(item, FilterGroup):
        parts = [resolve_clause(model, sub) for sub in item.items]
        if item.kind == "or":
            return sa.or_(*parts) if parts else sa.false()
        combined = sa.and_(*parts) if parts else sa.true()
        return sa.not_(combined) if item.kind == "not" else combined
    if isinstance(item, Mapping):
        return sa.and_(*keyword_clauses(model, item))
    return item


# --------------------------------------------------------------------------- #
# Statement inspection
# --------------------------------------------------------------------------- #


def reads_only_table(stmnt: Any, table: Any) -> bool:
    """Whether ``stmnt`` reads nothing but ``table``.

    False when it touches another table, contains ``text()`` or a literal
    column: a cached answer of such a statement could not be invalidated by
    writes to ``table`` alone.
    """
    for element in visitors.iterate(stmnt):
        if isinstance(element, TextClause):
            return False
        if isinstance(element, ColumnClause) and element.is_literal:
            return False
        if isinstance(element, sa.TableClause) and (
            element.name != table.name or getattr(element, "schema", None) != table.schema
        ):
            return False
    return True


def plain_select(stmnt: Any) -> Any:
    """A copy of ``stmnt`` that executes as rows (SQLModel's scalar select does not)."""
    if isinstance(stmnt, SelectOfScalar):
        clone: Any = stmnt._clone()
        clone.__class__ = sa.Select
        return clone
    return stmnt


def _select_model(model: Any) -> Any:
    return sa.select(model)


def _is_directed(expression: Any) -> bool:
    while isinstance(expression, UnaryExpression):
        if expression.modifier in (operators.asc_op, operators.desc_op):
            return True
        expression = expression.element
    return False


def _check_count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, got {value!r}")
    return value


def _check_positive(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return value


@dataclass(frozen=True)
class _Order:
    name: str | None
    expression: Any
    desc: bool


@dataclass(frozen=True)
class QueryState:
    """Everything a builder holds besides its session and model."""

    base: Any
    custom: bool = False
    where: tuple[Any, ...] = ()
    loaders: tuple[tuple[str, str], ...] = ()
    options: tuple[Any, ...] = ()
    strict: bool = False
    order: tuple[_Order, ...] = ()
    limit: int | None = None
    offset: int | None = None
    cache: bool = False
    cache_ttl: float | None = None
    columns: tuple[Any, ...] | None = None
    distinct: bool = False
    group_by: tuple[Any, ...] = ()
    after: str | None = None
    before: str | None = None


class QueryBuilderBase(Generic[ModelT]):
    """Immutable query builder state shared by ``QueryBuilder`` and ``AsyncQueryBuilder``.

    Args:
        session_inst: The session the terminal methods run on.
        model: The model class queried.
        stmnt: A statement to start from instead of ``select(model)``
            (its loader options are kept; the read cache is not used).
    """

    def __init__(self, session_inst: Any, model: type[ModelT], stmnt: Any = None) -> None:
        self.session = session_inst
        self.model: type[ModelT] = model
        base: Any = _select_model(model) if stmnt is None else plain_select(stmnt)
        self._state = QueryState(base=base, custom=stmnt is not None)

    def _with(self, **changes: Any) -> Self:
        clone = copy.copy(self)
        clone._state = replace(self._state, **changes)
        return clone

    # -- filters ---------------------------------------------------------------

    def where(self, *clauses: Any, **filters: Any) -> Self:
        """Add filters (AND-ed with the existing ones).

        Args:
            *clauses: SQL boolean expressions, filter mappings or groups made
                with :func:`and_`, :func:`or_`, :func:`not_`.
            **filters: ``col=v`` (equality, ``None`` is ``IS NULL``) or
                ``col__<op>=v`` with ``op`` one of ``gte gt lte lt like ilike in
                not_in ne isnull startswith endswith between``; a leading
                relationship name (``team__name="X"``) filters on related rows.

        Raises:
            ValueError: unknown column, operator or relationship, or a value
                that does not fit its operator.
        """
        new = [resolve_clause(self.model, clause) for clause in clauses]
        if filters:
            new.extend(keyword_clauses(self.model, filters))
        return self._with(where=self._state.where + tuple(new))

    # -- loading ---------------------------------------------------------------

    def _relationship(self, model: Any, name: Any) -> Any:
        relationships = sa_inspect(model).relationships
        if not isinstance(name, str) or name not in relationships:
            valid = ", ".join(relationships.keys()) or "none"
            raise ValueError(
                f"{name!r} is not a relationship of {model_name(model)}; relationships: {valid}"
            )
        return relationships[name]

    def _add_loaders(self, kind: str, names: tuple[str, ...]) -> Self:
        other = "lazy" if kind == "selectin" else "selectin"
        added = list(self._state.loaders)
        for name in names:
            self._relationship(self.model, name)
            if (other, name) in added:
                raise ValueError(f"{name!r} already has a {other} loader")
            if (kind, name) not in added:
                added.append((kind, name))
        return self._with(loaders=tuple(added))

    def selectin(self, *relationships: str) -> Self:
        """Load these relationships with ``selectinload``."""
        return self._add_loaders("selectin", relationships)

    def lazy(self, *relationships: str) -> Self:
        """Load these relationships with ``lazyload``."""
        return self._add_loaders("lazy", relationships)

    def load(self, *paths: str) -> Self:
        """Eager-load relationship paths such as ``"team"`` or ``"team.heroes"``.

        Collections use ``selectinload`` (one extra ``IN`` query, no row
        multiplication); scalar relationships use ``joinedload`` (same query).

        Raises:
            ValueError: a path segment is not a relationship.
        """
        added = list(self._state.loaders)
        for path in paths:
            model = self.model
            for segment in path.split("."):
                model = self._relationship(model, segment).mapper.class_
            if ("path", path) not in added:
                added.append(("path", path))
        return self._with(loaders=tuple(added))

    def options(self, *options: Any) -> Self:
        """Add raw SQLAlchemy loader options (``selectinload(...)``, ...)."""
        return self._with(options=self._state.options + options)

    def strict(self, enabled: bool = True) -> Self:
        """Make access to any relationship that was not eagerly loaded raise.

        Adds ``raiseload("*")`` to the query and to each eager-loaded path, so
        a forgotten ``load()`` fails with SQLAlchemy's clear
        ``'Model.rel' is not available due to lazy='raise'`` instead of an
        implicit query (which async code cannot run).
        """
        return self._with(strict=enabled)

    def _loader_option(self, kind: str, name: str) -> Any:
        if kind == "selectin":
            option = selectinload(getattr(self.model, name))
        elif kind == "lazy":
            return lazyload(getattr(self.model, name))
        else:
            model, option = self.model, cast(Any, None)
            for segment in name.split("."):
                prop = self._relationship(model, segment)
                attr = getattr(model, segment)
                if option is None:
                    option = selectinload(attr) if prop.uselist else joinedload(attr)
                else:
                    option = option.selectinload(attr) if prop.uselist else option.joinedload(attr)
                model = prop.mapper.class_
        return option.raiseload("*") if self._state.strict else option

    def _loader_options(self) -> list[Any]:
        options = [self._loader_option(kind, name) for kind, name in self._state.loaders]
        options.extend(self._state.options)
        if self._state.strict:
            options.append(raiseload("*"))
        return options

    # -- shape -----------------------------------------------------------------

    def _column(self, item: Any, what: str = "column") -> Any:
        if isinstance(item, str):
            columns = column_keys(self.model)
            if item not in columns:
                raise ValueError(
                    f"{item!r} is not a {what} of {model_name(self.model)}; "
                    f"valid columns: {', '.join(columns)}"
                )
            return columns[item]
        return item

    def order_by(self, *columns: Any, desc: bool = False) -> Self:
        """Append sort columns (names or expressions); ``desc=True`` reverses each.

        Raises:
            ValueError: an unknown name, or ``desc=True`` with an expression
                that already has a direction.
        """
        added = []
        for item in columns:
            expression = self._column(item)
            if desc and _is_directed(expression):
                raise ValueError(f"{item} already has a direction; drop desc=True")
            name = item if isinstance(item, str) else None
            added.append(_Order(name, expression, desc))
        return self._with(order=self._state.order + tuple(added))

    def limit(self, count: int) -> Self:
        """Read at most ``count`` rows (the last call wins)."""
        return self._with(limit=_check_count(count, "limit"))

    def offset(self, count: int) -> Self:
        """Skip ``count`` rows (the last call wins)."""
        return self._with(offset=_check_count(count, "offset"))

    def distinct(self, enabled: bool = True) -> Self:
        """Return distinct rows only."""
        return self._with(distinct=enabled)

    def select(self, *columns: Any) -> Self:
        """Return rows of these columns (names or expressions) instead of model objects."""
        if not columns:
            raise ValueError("select() needs at least one column")
        return self._with(columns=tuple(self._column(item) for item in columns))

    def group_by(self, *columns: Any) -> Self:
        """Group rows by these columns (names or expressions); pair with ``select()``."""
        grouped = tuple(self._column(item) for item in columns)
        return self._with(group_by=self._state.group_by + grouped)

    def cached(self, ttl: float | None = None) -> Self:
        """Serve ``all()``, ``first()`` and ``count()`` from the read cache.

        A no-op without a configured backend, for a builder started from a
        caller's statement, with loaders, selected columns, or a statement
        that reads other tables (relationship filters, raw text).

        Args:
            ttl: Seconds an entry lives (default: the backend's).

        Raises:
            ValueError: ``ttl`` is a bool, not a number, NaN or negative.
        """
        if ttl is not None and (
            isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or math.isnan(ttl) or ttl < 0
        ):
            raise ValueError(f"ttl must be a non-negative number of seconds, got {ttl!r}")
        return self._with(cache=True, cache_ttl=ttl)

    def after(self, cursor: str | None) -> Self:
        """Keyset pagination: continue after the position in ``cursor`` (``None``: start)."""
        return self._with(after=cursor, before=None)

    def before(self, cursor: str | None) -> Self:
        """Keyset pagination: the rows just before the position in ``cursor``."""
        return self._with(before=cursor, after=None)

    # -- statements ------------------------------------------------------------

    @property
    def entity_mode(self) -> bool:
        """Whether terminals return model objects (no ``select()`` columns)."""
        return self._state.columns is None

    def _core(self, *, options: bool = True, order: bool = True) -> Any:
        """The statement without LIMIT/OFFSET."""
        state = self._state
        stmt = state.base
        if state.columns is not None:
            stmt = stmt.with_only_columns(*state.columns)
        stmt = stmt.where(*state.where)
        if options and state.columns is None:
            loader_options = self._loader_options()
            if loader_options:
                stmt = stmt.options(*loader_options)
        if state.group_by:
            stmt = stmt.group_by(*state.group_by)
        if state.distinct:
            stmt = stmt.distinct()
        if order and state.order:
            stmt = stmt.order_by(
                *(item.expression.desc() if item.desc else item.expression for item in state.order)
            )
        return stmt

    def statement(self) -> Any:
        """The SELECT the ``all()`` terminal runs."""
        stmt = self._core()
        if self._state.limit is not None:
            stmt = stmt.limit(self._state.limit)
        if self._state.offset is not None:
            stmt = stmt.offset(self._state.offset)
        return stmt

    def _first_statement(self) -> Any:
        return self.statement().limit(0 if self._state.limit == 0 else 1)

    def _count_statement(self) -> Any:
        inner = self._core(options=False)
        if self._state.limit is not None:
            inner = inner.limit(self._state.limit)
        if self._state.offset is not None:
            inner = inner.offset(self._state.offset)
        return sa.select(func.count()).select_from(inner.subquery())

    def _total_statement(self) -> Any:
        """Count of every matching row, ignoring limit/offset."""
        return sa.select(func.count()).select_from(self._core(options=False).subquery())

    def _exists_statement(self) -> Any:
        return sa.select(sa.exists(self._core(options=False, order=False)))

    def _window_total_allowed(self) -> bool:
        state = self._state
        return state.columns is None and not state.distinct and not state.group_by

    def _page_statement(self, page: int, page_size: int, window: bool, extra: int) -> Any:
        stmt = self._core()
        if window:
            stmt = stmt.add_columns(func.count().over().label(TOTAL_LABEL))
        return stmt.offset((page - 1) * page_size).limit(page_size + extra)

    def _count_by_statement(self, keys: tuple[Any, ...]) -> Any:
        columns = tuple(self._column(key) for key in keys)
        stmt = self._state.base.with_only_columns(*columns, func.count())
        return stmt.where(*self._state.where).group_by(*columns)

    # -- keyset ----------------------------------------------------------------

    def _sort_keys(self) -> list[SortKey]:
        mapper = sa_inspect(self.model)
        keys: list[SortKey] = []
        for item in self._state.order:
            if item.name is None:
                raise ValueError("keyset pagination needs order_by() with column names")
            column = mapper.get_property(item.name).columns[0]
            keys.append(SortKey(item.name, item.expression, item.desc, bool(column.nullable)))
        names = {key.name for key in keys}
        last_desc = keys[-1].desc if keys else False
        for pk_column in mapper.primary_key:
            name = mapper.get_property_by_column(pk_column).key
            if name not in names:
                keys.append(SortKey(name, getattr(self.model, name), last_desc, False))
        return keys

    def keyset_plan(self) -> tuple[list[SortKey], str]:
        """The sort keys (primary key last) and their cursor fingerprint.

        Raises:
            ValueError: ``select()`` columns or unnamed sort expressions.
        """
        if not self.entity_mode:
            raise ValueError("keyset pagination returns model objects; drop select()")
        keys = self._sort_keys()
        return keys, ordering_fingerprint(model_name(self.model), keys)

    def _keyset_statement(self, keys: list[SortKey], condition: Any, size: int) -> Any:
        stmt = self._core(order=False)
        if condition is not None:
            stmt = stmt.where(condition)
        return stmt.order_by(*(order_clause(key) for key in keys)).limit(size)

    def _check_page(self, page: int, page_size: int) -> None:
        _check_positive(page, "page")
        _check_positive(page_size, "page_size")

    def _cacheable(self, stmt: Any) -> bool:
        state = self._state
        return (
            state.cache
            and not state.custom
            and not state.loaders
            and not state.options
            and state.columns is None
            and reads_only_table(stmt, sa_inspect(self.model).local_table)
        )


def row_values(row: Any, keys: Iterable[SortKey]) -> list[Any]:
    """The sort-key values of one result object (for its cursor)."""
    return [getattr(row, key.name) for key in keys]


__all__ = [
    "TOTAL_LABEL",
    "FilterGroup",
    "QueryBuilderBase",
    "QueryState",
    "and_",
    "keyword_clauses",
    "not_",
    "or_",
    "plain_select",
    "reads_only_table",
    "resolve_clause",
    "row_values",
]
