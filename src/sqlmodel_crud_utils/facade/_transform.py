"""Planning ``transform()``: the new table definition and the statements to reach it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ._schema import sa_type_for, scalar_server_default
from ._sql import check_identifier, split_names, unknown_column

__all__ = ["TransformPlan", "plan_transform", "postgres_statements"]

Quote = Callable[[str], str]


@dataclasses.dataclass
class TransformPlan:
    """What ``transform()`` changes.

    Attributes:
        columns: The new columns, in order.
        copy_from: ``{new column: old column}`` for the columns whose data is kept.
        pks: The new primary key.
        foreign_keys: ``(column, "table.column")`` pairs of the new table.
    """

    table: str
    columns: list[sa.Column[Any]]
    copy_from: dict[str, str]
    pks: list[str]
    foreign_keys: list[tuple[str, str]]
    old: sa.Table
    types: dict[str, Any]
    rename: dict[str, str]
    drop: list[str]
    add: dict[str, Any]
    not_null: dict[str, bool]
    defaults: dict[str, Any]
    drop_fks: list[str]
    add_fks: list[tuple[str, str]]
    pk_changed: bool

    @property
    def only_native_sqlite(self) -> bool:
        """Whether SQLite's own ADD/RENAME/DROP COLUMN can do the whole change."""
        simple_drop = all(
            not self.old.c[name].primary_key
            and not self.old.c[name].foreign_keys
            and not any(name in [c.name for c in ix.columns] for ix in self.old.indexes)
            for name in self.drop
        )
        simple_add = all(
            self._added_column(name).nullable or self._added_column(name).server_default
            for name in self.add
        )
        return (
            not (self.types or self.not_null or self.defaults or self.drop_fks or self.add_fks)
            and not self.pk_changed
            and simple_drop
            and simple_add
        )

    def _added_column(self, name: str) -> sa.Column[Any]:
        return next(column for column in self.columns if column.name == name)


def _fk_target(table: str, column: str | None, pk_lookup: Mapping[str, list[str]]) -> str:
    if column is None:
        known = pk_lookup.get(table)
        column = known[0] if known and len(known) == 1 else "id"
    return f"{table}.{column}"


def plan_transform(
    old: sa.Table,
    *,
    types: Mapping[str, Any] | None,
    rename: Mapping[str, str] | None,
    drop: Iterable[str] | None,
    add: Mapping[str, Any] | None,
    pk: str | Sequence[str] | None,
    not_null: Mapping[str, bool] | None,
    defaults: Mapping[str, Any] | None,
    drop_foreign_keys: Iterable[str] | None,
    add_foreign_keys: Iterable[tuple[Any, ...]] | None,
    pk_lookup: Mapping[str, list[str]],
    dialect: sa.Dialect | None = None,
) -> TransformPlan:
    """Work out the new definition of ``old``.

    Raises:
        SchemaError: If a column named in an argument does not exist.
        ValidationError: If a new column name is invalid for ``dialect``.
    """
    names = [column.name for column in old.columns]
    types, rename = dict(types or {}), dict(rename or {})
    drop_list, add = list(drop or []), dict(add or {})
    not_null, defaults = dict(not_null or {}), dict(defaults or {})
    drop_fks = list(drop_foreign_keys or [])
    for name in [*types, *rename, *drop_list, *drop_fks]:
        if name not in names:
            raise unknown_column(old.name, name, names)
    for new_name in [*rename.values(), *add]:
        check_identifier(new_name, "column name", dialect=dialect, column=True)
    final = [rename.get(n, n) for n in names if n not in drop_list] + list(add)
    for name in [*not_null, *defaults]:
        if name not in final:
            raise unknown_column(old.name, name, final)
    old_pks = [column.name for column in old.primary_key.columns]
    pks = (
        split_names(pk)
        if pk is not None
        else [rename.get(n, n) for n in old_pks if n not in drop_list]
    )
    for name in pks:
        if name not in final:
            raise unknown_column(old.name, name, final)
    add_fks = []
    for item in add_foreign_keys or []:
        column, table, *rest = item
        if column not in final:
            raise unknown_column(old.name, column, final)
        add_fks.append((str(column), _fk_target(table, rest[0] if rest else None, pk_lookup)))
    foreign_keys = [
        (rename.get(fk.parent.name, fk.parent.name), fk.target_fullname)
        for fk in old.foreign_keys
        if fk.parent.name not in drop_list and fk.parent.name not in drop_fks
    ] + add_fks

    columns: list[sa.Column[Any]] = []
    copy_from: dict[str, str] = {}
    for column in old.columns:
        if column.name in drop_list:
            continue
        name = rename.get(column.name, column.name)
        sa_type = (
            sa_type_for(types[column.name], name=name)[0] if column.name in types else column.type
        )
        default = column.server_default.arg if column.server_default is not None else None  # type: ignore[attr-defined]
        columns.append(
            _column(name, sa_type, not column.nullable, default, pks, not_null, defaults)
        )
        copy_from[name] = column.name
    for name, hint in add.items():
        sa_type, _nullable, _fk = sa_type_for(hint, name=name)
        columns.append(_column(name, sa_type, False, None, pks, not_null, defaults))
    single_int_pk = len(pks) == 1 and isinstance(
        next(c for c in columns if c.name == pks[0]).type, sa.Integer
    )
    for column in columns:
        column.autoincrement = single_int_pk and column.primary_key
    return TransformPlan(
        table=old.name,
        columns=columns,
        copy_from=copy_from,
        pks=pks,
        foreign_keys=foreign_keys,
        old=old,
        types=types,
        rename=rename,
        drop=drop_list,
        add=add,
        not_null=not_null,
        defaults=defaults,
        drop_fks=drop_fks,
        add_fks=add_fks,
        pk_changed=pks != [rename.get(n, n) for n in old_pks if n not in drop_list],
    )


def _column(
    name: str,
    sa_type: Any,
    was_not_null: bool,
    default: Any,
    pks: list[str],
    not_null: Mapping[str, bool],
    defaults: Mapping[str, Any],
) -> sa.Column[Any]:
    is_pk = name in pks
    required = not_null.get(name, was_not_null) or is_pk
    if name in defaults:
        value = defaults[name]
        default = None if value is None else scalar_server_default(value)
    return sa.Column(
        name, sa_type, primary_key=is_pk, nullable=not required, server_default=default
    )


def build_new_table(plan: TransformPlan, metadata: sa.MetaData, name: str) -> sa.Table:
    """The new definition as a table called ``name`` in ``metadata``."""
    columns = [column._copy() for column in plan.columns]
    for column in columns:
        for parent, target in plan.foreign_keys:
            if parent == column.name:
                column.append_foreign_key(sa.ForeignKey(target))
    return sa.Table(name, metadata, *columns)


def postgres_statements(plan: TransformPlan, quote: Quote, dialect: sa.Dialect) -> list[str]:
    """``ALTER TABLE`` statements that apply ``plan`` on PostgreSQL."""
    table = quote(plan.table)
    alter = f"ALTER TABLE {table}"
    out: list[str] = []
    for constraint in plan.old.foreign_key_constraints:
        columns = [c.name for c in constraint.columns]
        if constraint.name and any(c in plan.drop_fks or c in plan.drop for c in columns):
            out.append(f"{alter} DROP CONSTRAINT {quote(str(constraint.name))}")
    if plan.pk_changed and plan.old.primary_key.name:
        out.append(f"{alter} DROP CONSTRAINT {quote(str(plan.old.primary_key.name))}")
    for name in plan.drop:
        out.append(f"{alter} DROP COLUMN {quote(name)}")
    for old_name, new_name in plan.rename.items():
        out.append(f"{alter} RENAME COLUMN {quote(old_name)} TO {quote(new_name)}")
    by_name = {column.name: column for column in plan.columns}
    for old_name in plan.types:
        name = plan.rename.get(old_name, old_name)
        ddl = by_name[name].type.compile(dialect=dialect)
        out.append(f"{alter} ALTER COLUMN {quote(name)} TYPE {ddl} USING {quote(name)}::{ddl}")
    for name in plan.add:
        column = by_name[name]
        out.append(f"{alter} ADD COLUMN {quote(name)} {column.type.compile(dialect=dialect)}")
    for name, value in plan.defaults.items():
        if value is None:
            out.append(f"{alter} ALTER COLUMN {quote(name)} DROP DEFAULT")
        else:
            literal = _default_literal(value, dialect)
            out.append(f"{alter} ALTER COLUMN {quote(name)} SET DEFAULT {literal}")
    for name, required in plan.not_null.items():
        action = "SET" if required else "DROP"
        out.append(f"{alter} ALTER COLUMN {quote(name)} {action} NOT NULL")
    if plan.pk_changed and plan.pks:
        out.append(f"{alter} ADD PRIMARY KEY ({', '.join(quote(n) for n in plan.pks)})")
    for parent, target in plan.add_fks:
        ref_table, _, ref_column = target.rpartition(".")
        out.append(
            f"{alter} ADD FOREIGN KEY ({quote(parent)}) "
            f"REFERENCES {quote(ref_table)} ({quote(ref_column)})"
        )
    return out


def _default_literal(value: Any, dialect: sa.Dialect) -> str:
    expression = scalar_server_default(value)
    if isinstance(expression, str):
        expression = sa.literal(expression)
    return str(expression.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def copy_sql(plan: TransformPlan, quote: Quote, source: str, target: str) -> str:
    """``INSERT INTO target (...) SELECT ... FROM source`` keeping the surviving columns."""
    new = ", ".join(quote(name) for name in plan.copy_from)
    old = ", ".join(quote(name) for name in plan.copy_from.values())
    return f"INSERT INTO {quote(target)} ({new}) SELECT {old} FROM {quote(source)}"
