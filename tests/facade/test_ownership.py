"""A transaction's connection belongs to the task or thread that opened it."""

import asyncio
import contextvars
import threading
from pathlib import Path

import pytest

from sqlmodel_crud_utils.exceptions import InvalidOperationError
from sqlmodel_crud_utils.facade import AsyncDatabase, Database


def test_other_thread_is_refused(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    with Database(f"sqlite:///{tmp_path / 'x.db'}") as db:
        with db.transaction():
            context = contextvars.copy_context()

            def work() -> None:
                try:
                    context.run(db.q, "SELECT 1")
                except BaseException as exc:
                    errors.append(exc)

            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
        assert db.q("SELECT 1 AS one") == [{"one": 1}]
    assert len(errors) == 1
    assert isinstance(errors[0], InvalidOperationError)


def test_other_task_is_refused() -> None:
    async def main() -> None:
        async with AsyncDatabase() as db, db.transaction():
            task = asyncio.create_task(db.q("SELECT 1"))
            with pytest.raises(InvalidOperationError, match="another task"):
                await task

    asyncio.run(main())


def test_memory_database_serialises_threads() -> None:
    with Database() as db:
        table = db.t.hits.create(id=int, n=int)

        def work() -> None:
            for number in range(20):
                table.insert(n=number)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert table.count == 80
