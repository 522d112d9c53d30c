"""Discovering, reading and checking migration files (no I/O on the database)."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import itertools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from sqlmodel_crud_utils.facade._sql import split_script

from .errors import (
    DuplicateMigrationError,
    IrreversibleMigrationError,
    MigrationGapError,
    MigrationNameWarning,
)

__all__ = [
    "DOWN_MARKER",
    "NO_TRANSACTION_MARKER",
    "Migration",
    "Step",
    "checksum",
    "defines_step",
    "discover",
    "load_python",
    "load_step",
    "next_version",
    "reversible",
    "slugify",
    "sql_transactional",
    "sql_parts",
    "step",
    "wants_op",
]

NAME_RE = re.compile(r"^([0-9]{4})-([A-Za-z0-9_.-]+)\.(py|sql|sh)$")
NEAR_MISS_RE = re.compile(r"^[0-9]+[-_ ].*\.(py|sql|sh)$", re.IGNORECASE)
DOWN_MARKER = "-- migrate:down"
#: A first line that makes a ``.sql`` file run outside a transaction.
NO_TRANSACTION_MARKER = "-- scu:no-transaction"
_STEP_NAMES = {"up": ("up", "upgrade"), "down": ("down", "downgrade")}
_TX_STATEMENT = re.compile(r"^\s*(BEGIN|COMMIT|END)(\s+TRANSACTION)?\s*;?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Migration:
    """One migration file.

    Attributes:
        version: The number at the start of the file name.
        name: The file name without its extension (``0001-create-users``).
        path: The file.
        kind: ``"py"``, ``"sql"`` or ``"sh"``.
        checksum: The SHA-256 of the file's bytes.
    """

    version: int
    name: str
    path: Path
    kind: str
    checksum: str


def checksum(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def discover(directory: Path, *, check_gaps: bool = True) -> list[Migration]:
    """The migrations in ``directory``, sorted by version.

    Args:
        directory: The migrations folder (a missing folder has none).
        check_gaps: Fail when the numbering skips a version.

    Raises:
        DuplicateMigrationError: If two files share a version.
        MigrationGapError: If the numbering skips a version.
    """
    if not directory.is_dir():
        return []
    found: dict[int, list[Migration]] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(("_", ".")) or not path.is_file():
            continue
        match = NAME_RE.match(path.name)
        if match is None:
            if NEAR_MISS_RE.match(path.name):
                warnings.warn(
                    MigrationNameWarning(
                        f"{path.name} looks like a migration but is skipped: name it "
                        "NNNN-description.py|sql|sh (four digits, then a hyphen)",
                        [path],
                    ),
                    stacklevel=2,
                )
            continue
        version = int(match.group(1))
        migration = Migration(version, path.stem, path, match.group(3), checksum(path))
        found.setdefault(version, []).append(migration)
    for version, items in found.items():
        if len(items) > 1:
            names = ", ".join(m.path.name for m in items)
            raise DuplicateMigrationError(
                f"Duplicate migration version {version:04d}: {names}", [m.path for m in items]
            )
    migrations = [items[0] for _, items in sorted(found.items())]
    if check_gaps:
        for before, after in itertools.pairwise(migrations):
            if after.version != before.version + 1:
                raise MigrationGapError(
                    f"Migration numbering skips from {before.path.name} to {after.path.name}",
                    [before.path, after.path],
                )
    return migrations


def next_version(directory: Path) -> int:
    """The version a new file in ``directory`` gets."""
    existing = discover(directory, check_gaps=False)
    return existing[-1].version + 1 if existing else 1


#: The longest slug a migration file name gets (file systems limit names to 255 bytes).
MAX_SLUG = 60

#: Characters that end a line for Python or SQL, and other control characters.
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def slugify(description: str) -> str:
    """A file-name-safe slug of a description (``"Add users"`` -> ``add-users``).

    ASCII letters and digits only, at most ``MAX_SLUG`` characters.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", description.lower(), flags=re.ASCII).strip("-")
    slug = slug[:MAX_SLUG].rstrip("-")
    return slug or "migration"


def one_line(description: str) -> str:
    """``description`` with line breaks and control characters turned into single spaces."""
    return _LINE_BREAKS.sub(" ", description).strip()


def docstring_literal(description: str) -> str:
    """A Python string literal for a generated module's docstring (``repr``: nothing escapes)."""
    text = one_line(description).rstrip(".")
    return repr(f"{text}." if text else "Migration.")


def sql_comment(description: str) -> str:
    """A one-line SQL comment holding ``description`` (it cannot end the comment early)."""
    return f"-- {one_line(description)}"


def sql_parts(path: Path) -> tuple[list[str], list[str] | None]:
    """The up and down statements of a ``.sql`` file (down is ``None`` without a marker)."""
    text = path.read_text(encoding="utf-8")
    up_text, marker, down_text = text.partition(DOWN_MARKER)

    def statements(script: str) -> list[str]:
        return [s for s in split_script(script) if not _TX_STATEMENT.match(s)]

    return statements(up_text), statements(down_text) if marker else None


def load_python(migration: Migration) -> ModuleType:
    """Import a ``.py`` migration as a fresh module."""
    module_name = f"_scu_migration_{migration.version:04d}"
    spec = importlib.util.spec_from_file_location(module_name, migration.path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has a loader
        raise ImportError(f"cannot load {migration.path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def step(module: ModuleType, direction: str) -> Callable[..., Any] | None:
    """The ``up``/``down`` function of a module (deebase's ``upgrade``/``downgrade`` too)."""
    for name in _STEP_NAMES[direction]:
        fn = getattr(module, name, None)
        if callable(fn):
            return cast("Callable[..., Any]", fn)
    return None


def defines_step(path: Path) -> bool:
    """Whether a ``.py`` file binds ``up``/``upgrade`` at top level (read, never run).

    A file without one is a fastmigrate-style script, run as a subprocess.
    """
    tree = ast.parse(path.read_bytes(), filename=str(path))
    names = set(_STEP_NAMES["up"])
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in names:
            return True
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in names for t in targets):
                return True
        if isinstance(node, ast.ImportFrom | ast.Import) and any(
            (alias.asname or alias.name) in names for alias in node.names
        ):
            return True
    return False


@dataclass(frozen=True)
class Step:
    """One direction of a migration, ready to run.

    Attributes:
        kind: ``"sql"`` (``statements``), ``"python"`` (``fn``) or ``"script"``
            (a subprocess; never atomic).
        transactional: Whether it runs in the transaction of its version row.
        statements: The statements of a ``.sql`` file.
        fn: The ``up``/``down`` function of a ``.py`` file.
    """

    kind: str
    transactional: bool = True
    statements: tuple[str, ...] = ()
    fn: Callable[..., Any] | None = None


def sql_transactional(path: Path) -> bool:
    """Whether a ``.sql`` file runs in a transaction (no ``-- scu:no-transaction`` first line)."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    return first.strip().lower() != NO_TRANSACTION_MARKER


def load_step(migration: Migration, direction: str) -> Step:
    """Read one direction of a migration.

    Raises:
        IrreversibleMigrationError: If the file has no step for ``direction``
            (scripts and ``.sql`` files without ``-- migrate:down`` cannot go down).
    """
    path = migration.path
    if migration.kind == "sql":
        up_sql, down_sql = sql_parts(path)
        statements = up_sql if direction == "up" else down_sql
        if statements is None:
            raise IrreversibleMigrationError(f"{path.name} has no {DOWN_MARKER} part", [path])
        return Step("sql", sql_transactional(path), tuple(statements))
    if migration.kind == "sh" or not defines_step(path):
        if direction != "up":
            raise IrreversibleMigrationError(f"{path.name} is a script: no down step", [path])
        return Step("script", transactional=False)
    module = load_python(migration)
    fn = step(module, direction)
    if fn is None:
        raise IrreversibleMigrationError(f"{path.name} has no {direction}()", [path])
    return Step("python", bool(getattr(module, "TRANSACTIONAL", True)), fn=fn)


def reversible(migration: Migration) -> bool:
    """Whether a migration has a down step."""
    try:
        load_step(migration, "down")
    except IrreversibleMigrationError:
        return False
    return True


def wants_op(fn: Callable[..., Any]) -> bool:
    """Whether a migration function takes a second ``op`` parameter."""
    try:
        return len(inspect.signature(fn).parameters) >= 2
    except (TypeError, ValueError):  # pragma: no cover - builtins only
        return False
