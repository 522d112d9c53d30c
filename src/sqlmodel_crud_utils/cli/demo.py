"""``demo``: a guided tour of the table facade on ``demo_*`` tables."""

from __future__ import annotations

from typing import Any

import click

from ._common import open_db, settings_of
from ._project import CLIError

__all__ = ["demo"]


def _show(call: str, result: Any) -> None:
    click.echo(f">>> {call}")
    click.echo(repr(result))


@click.command()
@click.option("--url", default=None, help="The database (default: --url, DATABASE_URL, project).")
@click.option("--rows", default=100, show_default=True, help="Books to insert.")
@click.option("--replace", is_flag=True, help="Drop demo_* tables left by an earlier tour.")
@click.pass_context
def demo(ctx: click.Context, url: str | None, rows: int, replace: bool) -> None:
    """Create demo_authors and demo_books, then show each facade call and its result."""
    settings = settings_of(ctx)
    chosen = url or settings.url
    if chosen is None:
        try:
            chosen = settings.database_url()
        except CLIError:
            chosen = "sqlite:///:memory:"
    with open_db(settings, chosen) as db:
        existing = [n for n in ("demo_books", "demo_authors") if n in db.table_names()]
        if existing and not replace:
            raise CLIError(f"{', '.join(existing)} already exist; pass --replace to start over")
        for name in existing:
            db.t[name].drop()
        authors = db.t.demo_authors
        authors.create({"id": int, "name": str}, pk="id")
        _show('db.t.demo_authors.create({"id": int, "name": str}, pk="id")', authors.columns)
        books = db.t.demo_books
        books.create(
            {"id": int, "title": str, "author_id": int, "pages": int},
            pk="id",
            foreign_keys=[("author_id", "demo_authors")],
        )
        _show(
            "db.t.demo_books.create(..., foreign_keys=[('author_id', 'demo_authors')])",
            books.columns,
        )
        _show(
            'db.t.demo_authors.insert({"id": 1, "name": "Ada"})',
            authors.insert({"id": 1, "name": "Ada"}),
        )
        authors.insert({"id": 2, "name": "Grace"})
        data = [
            {"id": i, "title": f"Book {i}", "author_id": 1 + i % 2, "pages": 100 + i}
            for i in range(1, rows + 1)
        ]
        _show(f"db.t.demo_books.insert_all([...{rows} rows...])", books.insert_all(data))
        _show("db.t.demo_books.count", books.count)
        _show(
            'db.t.demo_books.rows_where("pages > ?", [100], limit=2)',
            list(books.rows_where("pages > ?", [100], limit=2)),
        )
        if rows:
            _show(
                'db.t.demo_books.update({"pages": 999}, pk_values=1)',
                books.update({"pages": 999}, pk_values=1),
            )
            _show(
                "db.t.demo_books.get_parent(db.t.demo_books[1], 'author_id')",
                books.get_parent(books.get(1), "author_id"),
            )
        _show(
            "db.q('SELECT count(*) AS n FROM demo_books WHERE author_id = :a', {'a': 2})",
            db.q("SELECT count(*) AS n FROM demo_books WHERE author_id = :a", {"a": 2}),
        )
        click.echo("Tour finished: the demo_* tables stay for you to explore.")
