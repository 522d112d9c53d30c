"""The CLI's project folder, database URL resolution, errors and exit codes."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "EXIT_FAILED",
    "EXIT_MIGRATION",
    "EXIT_NO_PROJECT",
    "EXIT_USAGE",
    "CLIError",
    "Project",
    "Settings",
    "find_project",
    "resolve_url",
    "toml_string",
]

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NO_PROJECT = 3
EXIT_MIGRATION = 4
EXIT_EXTRA = 5

PROJECT_DIRS = (".scu", ".deebase")

#: What ``current_migration`` in ``state.json`` may be: a file stem in the migrations folder,
#: never a path (no separators, no leading dot).
STATE_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")

#: The characters a TOML basic string must escape: ``"``, ``\`` and the control characters.
_TOML_CONTROL = re.compile(r'[\x00-\x1f\x7f"\\]')
_TOML_SHORT = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}


class CLIError(click.ClickException):
    """A user error: printed as ``Error: <message>`` with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: Any = None) -> None:
        """Print the one-line message to stderr."""
        click.echo(f"Error: {self.format_message()}", err=True)


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (``"..."``) that reads back as exactly ``value``.

    ``"``, ``\\`` and the control characters (U+0000-U+001F, U+007F) are escaped; any other
    character is written as it is (the file is UTF-8).

    Raises:
        UnicodeEncodeError: When ``value`` cannot be written as UTF-8 (a lone surrogate, such as
            an undecodable byte in a command-line argument).
    """
    value.encode("utf-8")
    escaped = _TOML_CONTROL.sub(
        lambda m: _TOML_SHORT.get(m.group(), f"\\u{ord(m.group()):04X}"), value
    )
    return f'"{escaped}"'


@dataclass
class Project:
    """A project folder: ``<root>/.scu/config.toml`` and ``state.json``."""

    root: Path
    folder: Path
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def state_path(self) -> Path:
        """``state.json``."""
        return self.folder / "state.json"

    def state(self) -> dict[str, Any]:
        """The saved state (``current_migration``, ``sealed``).

        Raises:
            CLIError: When ``state.json`` is not a JSON object, or ``current_migration`` is not
                ``null`` or a migration name (a file stem, never a path).
        """
        if not self.state_path.exists():
            return {"current_migration": None, "sealed": False}
        try:
            loaded = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise CLIError(f"{self.state_path} is not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise CLIError(f"{self.state_path} must hold a JSON object")
        current = loaded.get("current_migration")
        if current is not None and (
            not isinstance(current, str) or not STATE_NAME_RE.fullmatch(current)
        ):
            raise CLIError(
                f"{self.state_path}: current_migration {current!r} is not a migration name"
                " (letters, digits, '_', '.' and '-', not starting with '.' or '-')"
            )
        return loaded

    def save_state(self, state: dict[str, Any]) -> None:
        """Write ``state.json``."""
        self.state_path.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")

    @property
    def migrations_dir(self) -> Path:
        """The migrations folder."""
        name = self.config.get("migrations", {}).get("directory", "migrations")
        return self.root / str(name)

    @property
    def metadata_path(self) -> str | None:
        """``[models] metadata`` (``module:attr``)."""
        value = self.config.get("models", {}).get("metadata")
        return str(value) if value else None

    def env_url(self) -> str | None:
        """``DATABASE_URL`` from ``.scu/.env``."""
        env_file = self.folder / ".env"
        if not env_file.exists():
            return None
        for line in env_file.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key.strip() == "DATABASE_URL":
                return value.strip().strip("\"'")
        return None

    def config_url(self) -> str | None:
        """``[database] url`` from ``config.toml``."""
        value = self.config.get("database", {}).get("url")
        return str(value) if value else None


def find_project(start: Path) -> Project | None:
    """The nearest project folder at or above ``start``."""
    for directory in [start, *start.parents]:
        for name in PROJECT_DIRS:
            folder = directory / name
            if folder.is_dir():
                config_file = folder / "config.toml"
                config: dict[str, Any] = {}
                if config_file.exists():
                    try:
                        config = tomllib.loads(config_file.read_text(encoding="utf-8"))
                    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                        raise CLIError(f"{config_file} is not valid TOML: {exc}") from exc
                return Project(directory, folder, config)
    return None


def _anchor(url: str, root: Path) -> str:
    """Resolve a relative SQLite file path against the project root."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return url
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str(root / database)).render_as_string(hide_password=False)


def resolve_url(explicit: str | None, project: Project | None) -> str:
    """The database URL: ``--url``, ``$DATABASE_URL``, ``.scu/.env``, ``.scu/config.toml``.

    Raises:
        CLIError: With exit code 3 when no source gives one.
    """
    if explicit:
        return explicit
    from_env = os.environ.get("DATABASE_URL")
    if from_env:
        return from_env
    if project is not None:
        found = project.env_url() or project.config_url()
        if found:
            return _anchor(found, project.root)
    raise CLIError(
        "no database URL: pass --url, set DATABASE_URL or run 'sqlmodel-crud init'",
        EXIT_NO_PROJECT,
    )


@dataclass
class Settings:
    """What the root command received."""

    url: str | None = None
    project_dir: Path | None = None
    _project: Project | None = None
    _looked: bool = False

    @property
    def project(self) -> Project | None:
        """The project found from ``--project`` or the working directory."""
        if not self._looked:
            start = (self.project_dir or Path.cwd()).resolve()
            self._project = find_project(start)
            self._looked = True
        return self._project

    def database_url(self, override: str | None = None) -> str:
        """The URL to open (a command's own ``--url`` wins)."""
        return resolve_url(override or self.url, self.project)

    @property
    def migrations_dir(self) -> Path:
        """The project's migrations folder, else ``./migrations``."""
        if self.project is not None:
            return self.project.migrations_dir
        return (self.project_dir or Path.cwd()) / "migrations"
