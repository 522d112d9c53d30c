"""import_file: CSV, TSV, JSON and JSON lines, in one transaction."""

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sqlmodel_crud_utils.exceptions import DuplicateKeyError, SchemaError, ValidationError
from sqlmodel_crud_utils.facade import AsyncDatabase
from tests.support import BACKENDS

from .conftest_facade import open_facade

CSV = "id,name,price,note\n1,apple,1.5,\n2,pear,2,ripe\n3,plum,,\n"


@pytest.fixture(params=BACKENDS)
async def db(request: Any, tmp_path: Path) -> AsyncIterator[AsyncDatabase]:
    async with open_facade(request.param, tmp_path) as database:
        yield database


async def test_import_csv_creates_typed_table(db: AsyncDatabase, tmp_path: Path) -> None:
    path = tmp_path / "fruit.csv"
    path.write_text(CSV)
    calls: list[tuple[int, int | None]] = []
    table = await db.import_file(
        "fruit", path, pk="id", batch_size=2, progress=lambda *a: calls.append(a)
    )
    assert calls == [(2, 3), (3, 3)]
    assert table.pks == ["id"]
    rows = await table(order_by="id")
    assert rows[0] == {"id": 1, "name": "apple", "price": 1.5, "note": None}
    assert rows[1]["price"] == 2.0
    assert rows[2]["price"] is None
    assert await table.count_where("price > ?", [1.6]) == 1


async def test_import_json_and_jsonl(db: AsyncDatabase) -> None:
    data = [{"id": 1, "tags": ["a"], "ok": True}, {"id": 2, "tags": {"b": 1}, "ok": False}]
    table = await db.import_file("things", json.dumps(data).encode(), pk="id")
    assert (await table[1])["tags"] == ["a"]
    assert bool((await table[2])["ok"]) is False
    lines = io.StringIO('{"id": 3, "tags": null, "ok": true}\n\n{"id": 4, "ok": false}\n')
    await db.import_file("things", lines, format="ndjson")
    assert await table.count == 4


async def test_import_tsv_by_sniffing_and_alter(db: AsyncDatabase) -> None:
    await db.import_file("people", b"name\tage\nann\t30\n")
    with pytest.raises(SchemaError, match="alter=True"):
        await db.import_file("people", b"name\tage\tcity\nbob\t40\toslo\n")
    table = await db.import_file("people", b"name\tage\tcity\nbob\t40\toslo\n", alter=True)
    assert table.columns == ["name", "age", "city"]
    assert [row["city"] for row in await table(order_by="name")] == [None, "oslo"]


async def test_import_is_atomic(db: AsyncDatabase) -> None:
    with pytest.raises(DuplicateKeyError):
        await db.import_file("dups", b"id,v\n1,a\n1,b\n", pk="id")
    assert "dups" not in await db.table_names()
    with pytest.raises(ValidationError):
        await db.import_file("bad", b"[1, 2]", format="json")
    with pytest.raises(ValidationError, match="unknown format"):
        await db.import_file("bad", b"x", format="xml")
