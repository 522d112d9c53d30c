"""Table definitions from Python classes: type mapping, defaults, keys.

``db.create(cls)`` and ``db.t.x.create(**cols)`` both end here: annotations
or a ``{column: type}`` mapping become a :class:`sqlalchemy.Table`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import types
import typing
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from sqlmodel_crud_utils.exceptions import SchemaError, ValidationError

from ._sql import check_identifier, split_names
from .common import TEXT_MARKER, ForeignKeyRef, FTSIndex, Index

__all__ = ["ColumnSpec", "build_table", "class_columns", "table_name_for"]

_SCALARS: dict[type, Any] = {
    bool: sa.Boolean,
    int: sa.Integer,
    float: sa.Float,
    str: sa.String,
    bytes: sa.LargeBinary,
    dt.datetime: sa.DateTime,
    dt.date: sa.Date,
    dt.time: sa.Time,
    decimal.Decimal: sa.Numeric,
    uuid.UUID: sa.Uuid,
    dict: sa.JSON,
    list: sa.JSON,
}


@dataclasses.dataclass
class ColumnSpec:
    """One column to create."""

    name: str
    type_: Any
    nullable: bool = True
    default: Any = dataclasses.field(default=None)
    has_default: bool = False
    fk: ForeignKeyRef | None = None


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def sa_type_for(tp: Any, *, name: str = "?") -> tuple[Any, bool, ForeignKeyRef | None]:
    """Map a Python annotation to ``(SQLAlchemy type, nullable, foreign key)``.

    Raises:
        ValueError: For a type without a column mapping.
    """
    tp, nullable = _unwrap_optional(tp)
    fk: ForeignKeyRef | None = None
    text = False
    if typing.get_origin(tp) is typing.Annotated:
        base, *extras = typing.get_args(tp)
        for extra in extras:
            if isinstance(extra, ForeignKeyRef):
                fk = extra
            elif extra is TEXT_MARKER:
                text = True
        inner, inner_nullable, inner_fk = sa_type_for(base, name=name)
        if text:
            inner = sa.Text()
        return inner, nullable or inner_nullable, fk or inner_fk
    if isinstance(tp, sa.types.TypeEngine) or (
        isinstance(tp, type) and issubclass(tp, sa.types.TypeEngine)
    ):
        return tp, nullable, None
    origin = typing.get_origin(tp)
    if origin in (dict, list) or tp in (dict, list):
        return sa.JSON(), nullable, None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        value_types = {type(member.value) for member in tp}
        if len(value_types) == 1:
            return sa_type_for(value_types.pop(), name=name)[0], nullable, None
    if isinstance(tp, type):
        for py_type, sa_cls in _SCALARS.items():
            if tp is py_type:
                return sa_cls(), nullable, None
        for py_type, sa_cls in _SCALARS.items():
            if issubclass(tp, py_type):
                return sa_cls(), nullable, None
    raise ValueError(
        f"Unsupported type {tp!r} for column '{name}': use int, float, bool, str, Text, bytes, "
        "datetime, date, time, Decimal, UUID, dict, list, an Enum or Optional[...] of those"
    )


def table_name_for(cls: type, name: str | None = None, *, dialect: sa.Dialect | None = None) -> str:
    """``name``, else ``__tablename__`` of table classes, else the lower-cased class name.

    Raises:
        ValidationError: If ``name`` is given but invalid (an empty name included) or
            the class name is not a valid table name.
    """
    if name is not None:
        return check_identifier(name, "table name", dialect=dialect)
    table = getattr(cls, "__table__", None)
    if isinstance(table, sa.Table):
        return table.name
    declared = getattr(cls, "__tablename__", None)
    if isinstance(declared, str):
        return declared
    return check_identifier(cls.__name__.lower(), "table name", dialect=dialect)


_MISSING = object()


def _scalar_default(value: Any) -> tuple[bool, Any]:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, (bool, int, float, str, decimal.Decimal)):
        return True, value
    return False, None


def class_columns(cls: type) -> list[ColumnSpec]:
    """Read the columns of a plain annotated class or a dataclass.

    Raises:
        SchemaError: If the class has no annotations.
        ValueError: For an unsupported annotation.
    """
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception as exc:  # unresolved forward references
        raise SchemaError(f"cannot read the annotations of {cls.__name__}: {exc}") from exc
    hints = {k: v for k, v in hints.items() if not k.startswith("_") and not _is_classvar(v)}
    if not hints:
        raise SchemaError(f"{cls.__name__} has no type annotations")
    defaults: dict[str, Any] = {}
    if dataclasses.is_dataclass(cls):
        for field in dataclasses.fields(cls):
            if field.default is not dataclasses.MISSING:
                defaults[field.name] = field.default
    else:
        model_fields = getattr(cls, "model_fields", None)
        for key in hints:
            if isinstance(model_fields, Mapping) and key in model_fields:
                value = getattr(model_fields[key], "default", _MISSING)
                if value is not _MISSING and type(value).__name__ != "PydanticUndefinedType":
                    defaults[key] = value
            elif key in vars(cls):
                defaults[key] = vars(cls)[key]
    specs = []
    for key, hint in hints.items():
        sa_type, nullable, fk = sa_type_for(hint, name=key)
        spec = ColumnSpec(key, sa_type, nullable=nullable, fk=fk)
        if key in defaults:
            spec.has_default, spec.default = _scalar_default(defaults[key])
        specs.append(spec)
    return specs


def _is_classvar(hint: Any) -> bool:
    return hint is typing.ClassVar or typing.get_origin(hint) is typing.ClassVar


def mapping_columns(
    columns: Mapping[str, Any], *, dialect: sa.Dialect | None = None
) -> list[ColumnSpec]:
    """Read ``{column: type}`` (the fastlite ``create(**cols)`` form).

    Raises:
        ValidationError: For an invalid column name.
        ValueError: For an unsupported type.
    """
    specs = []
    for key, hint in columns.items():
        check_identifier(key, "column name", dialect=dialect, column=True)
        sa_type, _nullable, fk = sa_type_for(hint, name=key)
        specs.append(ColumnSpec(key, sa_type, nullable=True, fk=fk))
    return specs


def scalar_server_default(value: Any) -> Any:
    """A ``server_default`` for a scalar: quoted strings, per-dialect booleans, literals."""
    has, scalar = _scalar_default(value)
    if not has:
        raise ValueError(f"Unsupported default {value!r}: use a str, int, float, bool or Decimal")
    return _server_default(scalar)


def _server_default(value: Any) -> Any:
    if isinstance(value, bool):
        return sa.true() if value else sa.false()
    if isinstance(value, str):
        return value
    return sa.literal(value)


def build_table(
    metadata: sa.MetaData,
    name: str,
    specs: Sequence[ColumnSpec],
    pk: str | Sequence[str] | None,
    *,
    foreign_keys: Iterable[tuple[Any, ...]] = (),
    not_null: Iterable[str] = (),
    defaults: Mapping[str, Any] | None = None,
    pk_lookup: Mapping[str, list[str]] | None = None,
    dialect: sa.Dialect | None = None,
) -> sa.Table:
    """Build a :class:`sqlalchemy.Table` (not yet created) from column specs.

    Raises:
        ValidationError: For an invalid table or column name.
        SchemaError: If a primary key or foreign key column is not a column.
    """
    check_identifier(name, "table name", dialect=dialect)
    for spec in specs:
        check_identifier(spec.name, "column name", dialect=dialect, column=True)
    names = [spec.name for spec in specs]
    pks = split_names(pk) if pk is not None else ["id"]
    for key in pks:
        if key not in names:
            raise SchemaError(
                f"Primary key column '{key}' not found in {name}; columns: {', '.join(names)}",
                table_name=name,
                column_name=key,
            )
    extra_fks: dict[str, ForeignKeyRef] = {}
    for item in foreign_keys:
        column, table, *rest = item
        if column not in names:
            raise SchemaError(
                f"Foreign key column '{column}' not found in {name}", name, str(column)
            )
        extra_fks[column] = ForeignKeyRef(None, table, rest[0] if rest else None)
    not_null_set = set(not_null)
    defaults = dict(defaults or {})
    single_int_pk = len(pks) == 1 and isinstance(
        next(s for s in specs if s.name == pks[0]).type_, sa.Integer
    )
    columns: list[sa.Column[Any]] = []
    for spec in specs:
        args: list[Any] = []
        fk = extra_fks.get(spec.name) or spec.fk
        if fk is not None:
            target_col = fk.column
            if target_col is None:
                known = (pk_lookup or {}).get(fk.table)
                target_col = known[0] if known and len(known) == 1 else "id"
            args.append(sa.ForeignKey(f"{fk.table}.{target_col}"))
        kwargs: dict[str, Any] = {}
        is_pk = spec.name in pks
        if is_pk:
            kwargs["primary_key"] = True
            kwargs["autoincrement"] = single_int_pk
        kwargs["nullable"] = not is_pk and spec.nullable and spec.name not in not_null_set
        has_default, value = spec.has_default, spec.default
        if spec.name in defaults:
            has_default, value = _scalar_default(defaults[spec.name])
        if has_default and not is_pk:
            kwargs["server_default"] = _server_default(value)
        columns.append(sa.Column(spec.name, spec.type_, *args, **kwargs))
    return sa.Table(name, metadata, *columns)


def index_specs(
    table: str, columns: Sequence[str], indexes: Iterable[str | tuple[str, ...] | Index | FTSIndex]
) -> tuple[list[Index], list[FTSIndex]]:
    """Normalise the ``indexes=`` argument of ``create``.

    Raises:
        ValidationError: If an index names an unknown column.
    """
    plain: list[Index] = []
    fts: list[FTSIndex] = []
    for entry in indexes:
        if isinstance(entry, FTSIndex):
            fts.append(entry)
            cols = entry.columns
        elif isinstance(entry, Index):
            plain.append(entry)
            cols = entry.columns
        else:
            cols = [entry] if isinstance(entry, str) else list(entry)
            plain.append(Index(default_index_name(table, cols), *cols))
        for col in cols:
            if col not in columns:
                raise ValidationError(
                    f"unknown column '{col}' in index of {table}; columns: {', '.join(columns)}",
                    field="indexes",
                    value=col,
                )
    return plain, fts


def default_index_name(table: str, columns: Sequence[str]) -> str:
    """``ix_<table>_<col1>_<col2>``."""
    return f"ix_{table}_{'_'.join(columns)}"
