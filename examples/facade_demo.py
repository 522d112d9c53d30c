"""A tour of the table facade: the same calls in the sync and the async twin.

Run it from any directory; it writes ``facade_demo.db`` there.
"""

import asyncio
import dataclasses
from pathlib import Path

from sqlmodel_crud_utils.facade import AsyncDatabase, Database, ForeignKey, NotFoundError


@dataclasses.dataclass
class Author:
    id: int | None = None
    name: str = ""


@dataclasses.dataclass
class Book:
    id: int | None = None
    title: str = ""
    year: int = 2000
    author_id: ForeignKey[int, "author"] | None = None  # noqa: F821


def sync_tour(path: Path) -> None:
    print("-- sync: Database")
    with Database(f"sqlite:///{path}") as db:
        authors = db.create(Author)
        books = db.create(Book, indexes=["year"])
        ann = authors.insert(name="Ann")
        print("insert ->", ann)
        books.insert_all(
            {"title": f"Book {n}", "year": 2000 + n, "author_id": ann.id} for n in range(5)
        )
        print("count ->", books.count)  # type: ignore[misc]  # the facade's self-type protocol
        print("where ->", [b.title for b in books("year >= ?", [2003], order_by="year")])
        print("update ->", books.update(pk_values=1, title="First"))
        print("upsert ->", books.upsert(id=1, title="First (2nd ed.)", year=2001))
        print("parent ->", books.get_parent(books[1], "author_id"))
        with db.transaction():
            books.delete(5)
        try:
            books[5]
        except NotFoundError as exc:
            print("missing ->", exc)
        print("tables ->", list(db.t))


async def async_tour(path: Path) -> None:
    print("-- async: AsyncDatabase")
    async with AsyncDatabase(f"sqlite:///{path}") as db:
        books = db.t.book
        print("count ->", await books.count)
        titles = [row["title"] async for row in books.rows_where("year < ?", [2003])]
        print("stream ->", titles)
        await books.create_fts_index(["title"])
        print("search ->", [b["title"] for b in await books.search("first")])
        print("q ->", await db.q("SELECT count(*) AS n FROM book WHERE year > :y", {"y": 2001}))


def main() -> None:
    path = Path.cwd() / "facade_demo.db"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    sync_tour(path)
    asyncio.run(async_tour(path))
    print("done")


if __name__ == "__main__":
    main()
