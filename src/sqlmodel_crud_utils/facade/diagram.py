"""``diagram``: tables and their foreign keys as a Graphviz graph."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

from sqlmodel_crud_utils.exceptions import InvalidOperationError

__all__ = ["diagram"]


def _label(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def diagram(
    tbls: Iterable[Any],
    ratio: float = 0.7,
    size: str = "10",
    neato: bool = False,
    render: bool = True,
) -> Any:
    """Draw tables and their foreign keys.

    Args:
        tbls: Tables (anything with ``name``, ``columns``, ``pks`` and ``foreign_keys``).
        ratio: The graph's aspect ratio.
        size: The graph's size in inches.
        neato: Use the ``neato`` layout instead of ``dot``.
        render: Return a ``graphviz.Source``; ``False`` returns the DOT text.

    Returns:
        A ``graphviz.Source``, or the DOT text.

    Raises:
        InvalidOperationError: If ``render`` is true and graphviz is not installed.
    """
    tables = list(tbls)
    layout = "neato" if neato else "dot"
    lines = [
        "digraph tables {",
        f'  graph [ratio={float(ratio)}, size="{_label(size)}", layout={layout}];',
        "  node [shape=plaintext];",
    ]
    for table in tables:
        rows = "".join(
            f'<tr><td port="{_label(c)}">{"<b>" if c in table.pks else ""}{_label(c)}'
            f"{'</b>' if c in table.pks else ''}</td></tr>"
            for c in table.columns
        )
        lines.append(
            f'  "{_label(table.name)}" [label=<<table border="0" cellborder="1" cellspacing="0">'
            f"<tr><td><i>{_label(table.name)}</i></td></tr>{rows}</table>>];"
        )
    for table in tables:
        for fk in table.foreign_keys:
            target_table, _, target_column = fk["references"].rpartition(".")
            lines.append(
                f'  "{_label(table.name)}":"{_label(fk["column"])}" -> '
                f'"{_label(target_table)}":"{_label(target_column)}";'
            )
    lines.append("}")
    dot = "\n".join(lines) + "\n"
    if not render:
        return dot
    try:
        graphviz = importlib.import_module("graphviz")
    except ImportError:
        raise InvalidOperationError(
            "diagram(render=True) needs the 'graphviz' package: pip install graphviz "
            "(or pass render=False for the DOT text)",
            operation="diagram",
        ) from None
    return graphviz.Source(dot)
