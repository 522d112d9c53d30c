# This file is generated from tests/_async/test_facade_streaming.py by scripts/unasync.py. Do not edit it by hand.
"""insert_all, ValidatedTable.insert_all and import_file consume their input lazily."""

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import ValidationError
from sqlmodel_crud_utils.facade import Database
from sqlmodel_crud_utils.facade.errors import ForeignKeyValidationError
from sqlmodel_crud_utils.facade.sync import ValidatedTable
from tests.support import BACKENDS

from .conftest_facade import open_facade

ROWS = 95
BATCH = 10


@pytest.fixture(params=BACKENDS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    with open_facade(request.param, tmp_path) as database:
        yield database


class Feed:
    """A generator of rows that counts how many rows were pulled from it."""

    def __init__(self, count: int, parent: int | None = None) -> None:
        self.count = count
        self.parent = parent
        self.pulled = 0
        self.pulled_at_batches: list[int] = []

    def rows(self) -> Iterator[dict[str, Any]]:
        for number in range(self.count):
            self.pulled += 1
            row: dict[str, Any] = {"name": f"row {number}"}
            if self.parent is not None:
                row["parent_id"] = self.parent
            yield row

    def progress(self, done: int) -> None:
        self.pulled_at_batches.append(self.pulled)


def test_insert_all_pulls_one_batch_at_a_time(db: Database) -> None:
    table = db.t.feed.create(id=int, name=str, pk="id")
    feed = Feed(ROWS)
    assert table.insert_all(feed.rows(), batch_size=BATCH, on_progress=feed.progress) == ROWS
    # Before each batch ran, only that batch had been read from the generator.
    assert feed.pulled_at_batches == [min(n, ROWS) for n in range(BATCH, ROWS + BATCH, BATCH)]
    assert table.count == ROWS


def test_validated_insert_all_streams_and_checks_each_batch(db: Database) -> None:
    parents = db.t.parent.create(id=int, name=str, pk="id")
    parents.insert({"id": 1, "name": "p"})
    children = db.t.child.create(
        id=int, name=str, parent_id=int, pk="id", foreign_keys=[("parent_id", "parent")]
    )
    seen: list[str] = []

    def upper(value: str) -> str:
        seen.append(value)
        return value.upper()

    validated = ValidatedTable(children, {"name": upper})
    feed = Feed(ROWS, parent=1)
    count = validated.insert_all(feed.rows(), batch_size=BATCH, on_progress=feed.progress)
    assert count == ROWS
    assert feed.pulled_at_batches[0] == BATCH
    assert feed.pulled_at_batches == [min(n, ROWS) for n in range(BATCH, ROWS + BATCH, BATCH)]
    assert len(seen) == ROWS
    assert (children.get(1)).get("name") == "ROW 0"

    # A record failing the check in a later batch leaves none of the call's rows behind.
    bad = [{"name": f"x{n}", "parent_id": 1 if n < 15 else 99} for n in range(20)]
    with pytest.raises(ForeignKeyValidationError):
        validated.insert_all(iter(bad), batch_size=BATCH)
    assert children.count == ROWS
    assert validated.upsert_all(iter([{"id": 1, "name": "again", "parent_id": 1}])) == 1
    assert (children.get(1))["name"] == "AGAIN"


class CountingReader(io.BytesIO):
    """An open binary file that remembers how far it has been read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.positions: list[int] = []


def test_import_file_streams_the_rows(db: Database) -> None:
    lines = ["id,name,score"] + [f"{n},name {n:06d},{n / 2}" for n in range(1, 4001)]
    data = ("\n".join(lines) + "\n").encode()
    reader = CountingReader(data)
    calls: list[tuple[int, int | None]] = []

    def progress(done: int, total: int | None) -> None:
        calls.append((done, total))
        reader.positions.append(reader.tell())

    table = db.import_file("scores", reader, format="csv", pk="id", progress=progress)
    assert calls[0] == (1000, 4000)
    assert calls[-1] == (4000, 4000)
    # The second pass had read well under half the file when the first batch was written.
    assert reader.positions[0] < len(data) // 2
    assert table.count == 4000
    assert (table.get(4000))["score"] == 2000.0


def test_import_file_json_array_streams(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "items.json"
    path.write_text(
        "[\n"
        + ",\n".join(f'{{"id": {n}, "tags": ["t{n}"], "ok": true}}' for n in range(1, 2501))
        + "\n]\n"
    )
    table = db.import_file("items", path, pk="id", batch_size=500)
    assert table.count == 2500
    assert (table.get(7))["tags"] == ["t7"]
    for broken in (b"[{}", b'[{"a": 1} {"a": 2}]', b'[{"a": 1}] x', b"[1]", b'{"a": 1}'):
        with pytest.raises(ValidationError):
            db.import_file("broken", broken, format="json")
    assert "broken" not in db.t
