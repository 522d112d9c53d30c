"""Migrations written from the difference between metadata and the live database (Alembic)."""

from __future__ import annotations

import importlib
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import Connection

from .files import docstring_literal
from .schema import VERSION_TABLE, is_internal

__all__ = [
    "NAMING_CONVENTION",
    "autogenerate_source",
    "include_object",
    "load_metadata",
    "render_item",
]

#: Constraint names Alembic can find again on every backend.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_TEMPLATE = '''{docstring}

# Written from the difference between the models and the database; review it.

import sqlalchemy as sa


def up(db, op):
    """Apply the change."""
{up}


def down(db, op):
    """Undo the change."""
{down}
'''


def load_metadata(path: str) -> sa.MetaData:
    """Import the metadata named by ``module:attr`` (or a module using ``SQLModel.metadata``).

    Raises:
        ValueError: If the path does not lead to a ``MetaData``.
    """
    module_name, _, attr = path.partition(":")
    module = importlib.import_module(module_name)
    target: Any = module
    if attr:
        for part in attr.split("."):
            target = getattr(target, part)
    else:
        target = getattr(module, "metadata", None)
        if target is None:
            from sqlmodel import SQLModel

            target = SQLModel.metadata
    if not isinstance(target, sa.MetaData):
        raise ValueError(f"{path!r} is not a sqlalchemy MetaData")
    return target


def include_object(include_drops: bool) -> Any:
    """An Alembic ``include_object`` hook that skips internal tables (and drops, by default)."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table" and name is not None and (is_internal(name) or name == VERSION_TABLE):
            return False
        return not (type_ == "table" and reflected and compare_to is None and not include_drops)

    return include


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render SQLModel's ``AutoString`` as ``sa.String`` so files need no SQLModel import."""
    if type_ == "type" and type(obj).__name__ == "AutoString":
        length = getattr(obj, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    return False


def _body(code: str) -> str:
    lines = [line for line in code.splitlines() if line.strip() and "###" not in line]
    if not lines:
        return "    pass"
    indent = min(len(line) - len(line.lstrip()) for line in lines)
    return "\n".join("    " + line[indent:] for line in lines)


def autogenerate_source(
    conn: Connection, metadata: sa.MetaData, description: str, include_drops: bool = False
) -> str | None:
    """The source of a migration that brings the database to ``metadata``, or ``None``."""
    from alembic.autogenerate import produce_migrations, render_python_code
    from alembic.runtime.migration import MigrationContext

    batch = conn.dialect.name == "sqlite"
    opts: dict[str, Any] = {
        "render_as_batch": batch,
        "include_object": include_object(include_drops),
        "render_item": render_item,
        "target_metadata": metadata,
    }
    context = MigrationContext.configure(conn, opts=opts)
    script = produce_migrations(context, metadata)
    upgrade = script.upgrade_ops
    downgrade = script.downgrade_ops
    if upgrade is None or upgrade.is_empty():
        return None

    def render(ops: Any) -> str:
        return _body(
            render_python_code(
                ops, render_as_batch=batch, render_item=render_item, migration_context=context
            )
        )

    return _TEMPLATE.format(
        docstring=docstring_literal(description),
        up=render(upgrade),
        down=render(downgrade) if downgrade is not None else "    pass",
    )
