"""Migration files and database snapshots shared by the runner tests."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import sqlalchemy as sa


def write(folder: Path, name: str, text: str) -> Path:
    """Write a migration file (dedented) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def snapshot(url: str) -> dict[str, Any]:
    """Tables with their columns, and the version and ``_meta`` rows, read on a new engine."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = sorted(inspector.get_table_names())
            shape: dict[str, Any] = {
                name: [c["name"] for c in inspector.get_columns(name)] for name in names
            }
            for table in ("_scu_migrations", "_meta"):
                if table in names:
                    rows = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))
                    shape[f"{table} rows"] = [tuple(r) for r in rows]
            return shape
    finally:
        engine.dispose()


USERS = """
    def up(db):
        db.q("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")

    def down(db):
        db.q("DROP TABLE users")
"""

#: A shell script that creates ``from_script`` through the database argument.
SCRIPT_OK = f"""
    set -e
    test -n "$SCU_DATABASE_URL"
    "{sys.executable}" - "$1" <<'PY'
    import sys
    target = sys.argv[1]
    if target.startswith("postgresql"):
        import psycopg
        conn = psycopg.connect(target)
    else:
        import sqlite3
        conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE from_script (id INTEGER)")
    conn.commit()
    conn.close()
    PY
"""

SCRIPT_FAIL = """
    echo "the data is not ready" >&2
    exit 3
"""

#: A fastmigrate-style Python script (no ``up``): it runs as a subprocess.
PY_SCRIPT = """
    import sys

    target = sys.argv[1]
    if target.startswith("postgresql"):
        import psycopg
        conn = psycopg.connect(target)
    else:
        import sqlite3
        conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE from_py_script (id INTEGER)")
    conn.commit()
    conn.close()
"""

FASTMIGRATE_META = (
    "CREATE TABLE _meta (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL DEFAULT 0)"
)
