"""A project from an empty folder: CLI schema commands recorded as migrations, then replayed.

Run it with ``python examples/migrations_and_cli.py``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from sqlmodel_crud_utils import Database
from sqlmodel_crud_utils.migrate import MigrationRunner


def cli(folder: Path, *args: str) -> str:
    """Run ``sqlmodel-crud`` (as ``python -m sqlmodel_crud_utils``) in ``folder``."""
    result = subprocess.run(
        [sys.executable, "-m", "sqlmodel_crud_utils", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        url = f"sqlite:///{project / 'app.db'}"
        cli(project, "--url", url, "init")
        cli(project, "--url", url, "table", "create", "authors", "name:str:unique")
        books = ["title:str", "author_id:int:fk=authors"]
        cli(project, "--url", url, "table", "create", "books", *books)
        cli(project, "--url", url, "index", "create", "books", "title")
        cli(project, "--url", url, "data", "insert", "authors", "--field", "name=Ursula")
        print(cli(project, "--url", url, "table", "list").strip())

        migrations = sorted(path.name for path in (project / "migrations").glob("*.py"))
        print("recorded migrations:", migrations)

        # Replay the recorded migrations on a fresh database: the same schema comes back.
        with Database(f"sqlite:///{project / 'replica.db'}") as replica:
            applied = MigrationRunner(replica, project / "migrations").up()
            print("replayed:", [migration.name for migration in applied])
            assert set(replica.table_names()) >= {"authors", "books"}
            indexes = replica.t.books.indexes
            print("indexes on books:", indexes)
            assert any(index["columns"] == ["title"] for index in indexes)
    print("done")


if __name__ == "__main__":
    main()
