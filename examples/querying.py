"""The query builder, pagination, streaming and the read cache, sync and async.

Run it with ``python examples/querying.py``; it prints what each call returns.
"""

import asyncio
import tempfile
from pathlib import Path

from sqlmodel import Field, Relationship, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import (
    DBConfig,
    create_async_engine_from_config,
    create_engine_from_config,
    get_row,
    session_scope,
    update_row,
)
from sqlmodel_crud_utils.a_sync import AsyncQueryBuilder
from sqlmodel_crud_utils.cache import InMemoryCache, configure_cache
from sqlmodel_crud_utils.pagination import configure_cursor_secret
from sqlmodel_crud_utils.query import not_, or_
from sqlmodel_crud_utils.sync import QueryBuilder


class Guild(SQLModel, table=True):
    __tablename__ = "example_guilds"

    id: int | None = Field(default=None, primary_key=True)
    name: str

    members: list["Member"] = Relationship(back_populates="guild")


class Member(SQLModel, table=True):
    __tablename__ = "example_members"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    level: int | None = None
    guild_id: int | None = Field(default=None, foreign_key="example_guilds.id")

    guild: Guild | None = Relationship(back_populates="members")


def seed(url: str) -> None:
    engine = create_engine_from_config(DBConfig(url=url))
    SQLModel.metadata.create_all(engine)
    with session_scope(engine) as session:
        smiths, weavers = Guild(name="Smiths"), Guild(name="Weavers")
        for number in range(1, 13):
            guild = smiths if number % 3 else weavers
            level = None if number % 5 == 0 else number % 4
            session.add(Member(name=f"member-{number:02d}", level=level, guild=guild))
    engine.dispose()


def sync_tour(url: str) -> None:
    engine = create_engine_from_config(DBConfig(url=url))
    with session_scope(engine) as session:
        members: QueryBuilder[Member] = QueryBuilder(session, Member)
        _, rows = members.where(level__gte=2).order_by("name").limit(3).all()
        print("level >= 2, first three:", [m.name for m in rows])
        either = members.where(or_({"level": 0}, name="member-05"), not_(guild__name="Weavers"))
        _, rows = either.order_by("id").all()
        print("level 0 or member-05, not a weaver:", [m.name for m in rows])
        print("weavers exist:", members.where(guild__name="Weavers").exists())
        print("members per guild id:", members.count_by("guild_id"))

        page = members.order_by("id").paginate(page=2, page_size=5)
        print(f"page {page.page}/{page.pages} of {page.total}:", [m.id for m in page.items])

        by_level = members.order_by("level", desc=True)
        first = by_level.keyset(page_size=5)
        second = by_level.after(first.next_cursor).keyset(page_size=5)
        back = by_level.before(second.prev_cursor).keyset(page_size=5)
        print("keyset pages:", [m.id for m in first.items], [m.id for m in second.items])
        print("back again:", [m.id for m in back.items] == [m.id for m in first.items])

        total = sum(1 for _ in members.iter_rows(batch_size=4))
        print("streamed rows:", total)

        loaded = members.load("guild").strict().where(name="member-01").one()
        print("eager-loaded guild:", loaded.guild.name if loaded.guild else None)

        configure_cache(InMemoryCache())
        _, cached = get_row(1, session, Member, use_cache=True)
        assert cached is not None
        print("cached read:", cached.name)
        update_row(1, {"name": "renamed"}, session, Member)
        _, cached = get_row(1, session, Member, use_cache=True)
        assert cached is not None
        print("after the update:", cached.name)
        configure_cache(None)
    engine.dispose()


async def async_tour(url: str) -> None:
    engine = create_async_engine_from_config(DBConfig(url=url))
    async with AsyncSession(engine) as session:
        members: AsyncQueryBuilder[Member] = AsyncQueryBuilder(session, Member).where(
            level__isnull=False
        )
        _, count = await members.count()
        print("async count with a level:", count)
        page = await members.order_by("level").paginate(page=1, page_size=4)
        print("async first page:", [m.name for m in page.items], "has next:", page.has_next)
        names = [m.name async for m in members.order_by("id").iter_rows(batch_size=3)]
        print("async streamed:", len(names))
    await engine.dispose()


def main() -> None:
    configure_cursor_secret("example secret, set your own in production")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'querying.db'}"
        seed(url)
        sync_tour(url)
        asyncio.run(async_tour(url))
    print("done")


if __name__ == "__main__":
    main()
