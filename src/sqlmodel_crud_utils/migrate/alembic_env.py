"""Glue for an Alembic ``env.py``: SQLModel metadata, naming convention, SQLite batch mode.

A project's ``env.py`` can be as short as::

    from myapp.models import SQLModel
    from sqlmodel_crud_utils.migrate.alembic_env import run_migrations

    run_migrations(SQLModel.metadata)
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from sqlmodel_crud_utils.engine import install_sqlite_hooks

from .autogen import NAMING_CONVENTION, include_object, render_item

__all__ = ["NAMING_CONVENTION", "apply_naming_convention", "run_migrations"]

_DEFAULT_CONVENTION = {"ix": "ix_%(column_0_label)s"}


def apply_naming_convention(metadata: sa.MetaData) -> sa.MetaData:
    """Give ``metadata`` the package's constraint naming convention, unless it has one.

    Set it before the models are declared: constraints that already exist keep
    their names.

    Returns:
        The metadata.
    """
    if dict(metadata.naming_convention) in ({}, _DEFAULT_CONVENTION):
        metadata.naming_convention = dict(NAMING_CONVENTION)
    return metadata


def _url(config: Any, url: str | None) -> str:
    found = url or os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not found:
        raise RuntimeError("no database URL: set DATABASE_URL or sqlalchemy.url in alembic.ini")
    return str(found)


def run_migrations(
    metadata: sa.MetaData,
    *,
    url: str | None = None,
    naming_convention: bool = True,
    **configure_options: Any,
) -> None:
    """Run Alembic's migrations from ``env.py``, online or offline.

    Args:
        metadata: The models' metadata (usually ``SQLModel.metadata``).
        url: The database URL; default ``$DATABASE_URL``, then ``sqlalchemy.url``.
        naming_convention: Apply :data:`NAMING_CONVENTION` when the metadata has none.
        **configure_options: More options for ``context.configure``.
    """
    from alembic import context

    if naming_convention:
        apply_naming_convention(metadata)
    database_url = _url(context.config, url)
    sqlite = sa.make_url(database_url).get_backend_name() == "sqlite"
    options: dict[str, Any] = {
        "target_metadata": metadata,
        "render_as_batch": sqlite,
        "include_object": include_object(include_drops=True),
        "render_item": render_item,
        "compare_type": True,
    }
    options.update(configure_options)
    if context.is_offline_mode():
        context.configure(
            url=database_url, literal_binds=True, dialect_opts={"paramstyle": "named"}, **options
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(database_url, poolclass=NullPool)
    install_sqlite_hooks(engine)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **options)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
