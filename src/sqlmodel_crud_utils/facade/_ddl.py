"""DDL the facade writes itself (``DROP``, ``CREATE VIEW``), as SQLAlchemy DDL constructs.

SQLAlchemy has no portable construct for ``DROP VIEW`` or ``DROP TABLE ... CASCADE`` in
every supported version, and text clauses read ``:name`` inside a quoted name as a bind
parameter.  :class:`FacadeDDL` is a DDL element made of SQL pieces and names: when it is
compiled, the dialect quotes each name and escapes ``%`` for drivers with ``format`` or
``pyformat`` parameters, exactly as for SQLAlchemy's own ``DropTable``; nothing in it is
parsed for bind parameters.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement

__all__ = ["FacadeDDL", "Name", "create_view", "drop"]


@dataclasses.dataclass(frozen=True)
class Name:
    """An identifier inside a :class:`FacadeDDL` statement, quoted by the dialect."""

    value: str


class FacadeDDL(ExecutableDDLElement):
    """A DDL statement made of SQL text pieces and :class:`Name` identifiers."""

    inherit_cache = False

    def __init__(self, *parts: str | Name) -> None:
        self.parts = parts


@compiles(FacadeDDL)
def _compile(element: FacadeDDL, compiler: Any, **kw: Any) -> str:
    preparer = compiler.preparer
    text = compiler.sql_compiler.post_process_text  # escapes '%' for pyformat drivers
    return "".join(
        preparer.quote(part.value) if isinstance(part, Name) else text(part)
        for part in element.parts
    )


def drop(kind: str, name: str, *, if_exists: bool = False, cascade: bool = False) -> FacadeDDL:
    """``DROP <kind> [IF EXISTS] <name> [CASCADE]`` (``kind``: ``TABLE``, ``VIEW``, ``INDEX``)."""
    guard = "IF EXISTS " if if_exists else ""
    return FacadeDDL(f"DROP {kind} {guard}", Name(name), " CASCADE" if cascade else "")


def create_view(name: str, body: str) -> FacadeDDL:
    """``CREATE VIEW <name> AS <body>``; ``body`` is SQL, sent as written."""
    return FacadeDDL("CREATE VIEW ", Name(name), " AS ", body)
