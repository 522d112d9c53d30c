"""A project from an empty folder: CLI schema commands recorded as migrations, then replayed
with the sync runner and with the async one.

Run it with ``python examples/migrations_and_cli.py``.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlmodel_crud_utils import Database
from sqlmodel_crud_utils.facade.aio import AsyncDatabase
from sqlmodel_crud_utils.migrate import AsyncMigrationRunner, MigrationRunner


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


async def replay_async(project: Path) -> list[str]:
    """Apply the same migrations to another database with the async runner."""
    url = f"sqlite+aiosqlite:///{project / 'async-replica.db'}"
    async with AsyncDatabase(url) as db:
        runner = AsyncMigrationRunner(db, project / "migrations", echo=None)
        applied = await runner.up()
        assert (await runner.status())["pending"] == []
        return [migration.name for migration in applied]


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
        print("replayed (async):", asyncio.run(replay_async(project)))
    print("done")


if __name__ == "__main__":
    main()
