"""A tour of the CRUD helpers, sync and async, on an embedded SQLite file.

Run it with ``python examples/demo.py``; it prints each call and its result.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import (
    DBConfig,
    a_bulk_upsert_mappings,
    a_delete_row,
    a_get_row,
    a_get_rows,
    a_transaction,
    a_update_row,
    a_write_row,
    bulk_upsert_mappings,
    create_async_engine_from_config,
    create_engine_from_config,
    delete_row,
    get_row,
    get_rows,
    session_scope,
    transaction,
    update_row,
    write_row,
)


class Hero(SQLModel, table=True):
    __tablename__ = "demo_heroes"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    power: str = ""
    age: int | None = None


def show(call: str, result: Any) -> None:
    print(f"  {call:<58} -> {result!r}")


def sync_tour(url: str) -> None:
    print("sync helpers (sqlmodel_crud_utils.sync):")
    engine = create_engine_from_config(DBConfig(url=url))
    SQLModel.metadata.create_all(engine, tables=[Hero.__table__])  # type: ignore[attr-defined]
    with session_scope(engine) as session:
        ok, hero = write_row(Hero(name="Deadpond", power="regeneration", age=30), session)
        show("write_row(Hero(name='Deadpond'))", (ok, hero))
        assert hero is not None
        assert hero.id is not None
        show(f"get_row('{hero.id}', Hero)", get_row(str(hero.id), session, Hero))
        show("update_row(id, {'age': 31})", update_row(hero.id, {"age": 31}, session, Hero))
        payload: list[Mapping[str, Any]] = [
            {"name": "Rusty-Man", "power": "armour", "age": 48},
            {"name": "Spider-Boy", "power": "webs", "age": 16},
            {"name": "Deadpond", "power": "regeneration", "age": 32},
        ]
        ok, rows = bulk_upsert_mappings(payload, session, Hero, pk_fields=["name"])
        show("bulk_upsert_mappings(3 rows, conflict on name)", [(r.name, r.age) for r in rows])
        ok, rows = get_rows(session, Hero, age__gte="18", sort_field="age", sort_desc=True)
        show("get_rows(age__gte='18', sort_field='age', sort_desc=True)", [r.name for r in rows])
        with transaction(session):
            write_row(Hero(name="Tarantula", power="climbing"), session)
            update_row(hero.id, {"power": "jokes"}, session, Hero)
        _, rows = get_rows(session, Hero, sort_field="name")
        show("transaction(): write_row + update_row committed together", [r.name for r in rows])
        show(f"delete_row({hero.id}, Hero)", delete_row(hero.id, session, Hero))
        show(f"get_row({hero.id}, Hero) after delete", get_row(hero.id, session, Hero))
    engine.dispose()


async def async_tour(url: str) -> None:
    print("async helpers (sqlmodel_crud_utils.a_sync, a_* at the root):")
    engine = create_async_engine_from_config(DBConfig(url=url))
    async with AsyncSession(engine) as session:
        ok, hero = await a_write_row(Hero(name="Black Lion", power="stealth", age=35), session)
        # Returned objects stay readable after the commit, without lazy loads.
        show("await a_write_row(Hero(name='Black Lion'))", (ok, hero))
        assert hero is not None
        show(f"await a_get_row({hero.id}, Hero)", await a_get_row(hero.id, session, Hero))
        ok, updated = await a_update_row(hero.id, {"age": 36}, session, Hero)
        show("await a_update_row(id, {'age': 36})", (ok, updated))
        payload = [{"name": "Black Lion", "power": "claws", "age": 36}]
        ok, rows = await a_bulk_upsert_mappings(payload, session, Hero, pk_fields=["name"])
        show("await a_bulk_upsert_mappings(conflict on name)", [(r.name, r.power) for r in rows])
        async with a_transaction(session):
            await a_write_row(Hero(name="Ms. Marvel", power="embiggen", age=16), session)
        ok, rows = await a_get_rows(session, Hero, name__in=["Black Lion", "Ms. Marvel"])
        show("await a_get_rows(name__in=[...])", [r.name for r in rows])
        show(f"await a_delete_row({hero.id}, Hero)", await a_delete_row(hero.id, session, Hero))
        ok, rows = await a_get_rows(session, Hero, page_size=None, sort_field="name")
        show("await a_get_rows(page_size=None, sort_field='name')", [r.name for r in rows])
    await engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        print(f"database: {url} (WAL, foreign keys on)")
        sync_tour(url)
        asyncio.run(async_tour(url))
    print("done")


if __name__ == "__main__":
    main()
