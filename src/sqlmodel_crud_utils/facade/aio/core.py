"""``AsyncDatabaseCore``: connections, transactions, the catalogue and raw SQL."""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateIndex, CreateTable

from sqlmodel_crud_utils._acompat import async_execute_records
from sqlmodel_crud_utils._core.errors import translate_error
from sqlmodel_crud_utils.config import DBConfig
from sqlmodel_crud_utils.engine import create_async_engine_from_config, install_sqlite_hooks
from sqlmodel_crud_utils.exceptions import (
    InvalidOperationError,
    MultipleRecordsError,
    SchemaError,
    ValidationError,
)

from .._catalog import Catalog, listed_names, reflect_all, reflect_names
from .._ddl import FacadeDDL, drop
from .._fts import check_fts_name, check_language, fts_drop_sql, fts_table, read_fts
from .._schema import index_specs
from .._sql import bound_text, check_identifier, display_url, is_ddl, split_script
from ..common import FTSIndex, Index
from ..errors import NotFoundError
from ._twin import Lock, current_owner, new_lock, on_miss, run_sync
from .accessors import TableAccessor, ViewAccessor
from .table import AsyncTable, AsyncView

__all__ = ["AsyncDatabaseCore"]

DbT = TypeVar("DbT", bound="AsyncDatabaseCore")

_SUPPORTED_BACKENDS = ("sqlite", "postgresql", "postgres")

#: Statements that never write: they need no ``BEGIN IMMEDIATE`` on SQLite.
_READ_ONLY = re.compile(r"^\s*(select|pragma|explain|values)\b", re.IGNORECASE)


async def _records(
    conn: AsyncConnection, statement: Any, params: Mapping[str, Any] | None, reused: bool
) -> list[dict[str, Any]]:
    """The rows of a read on ``conn`` as dicts."""
    if reused:
        return await async_execute_records(conn, statement, params or {})
    result = await conn.execute(statement, params)
    return [dict(row) for row in result.mappings()]


@dataclasses.dataclass
class _Tx:
    """The open ``transaction()`` of one database in the current context."""

    conn: AsyncConnection
    owner: object
    ddl: bool = False


def _set_foreign_keys(conn: sa.Connection, *, on: bool) -> None:
    """Switch SQLite foreign key enforcement outside any transaction."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _checked_url(url: str | sa.URL) -> sa.URL:
    try:
        parsed = sa.make_url(url)
    except (sa_exc.ArgumentError, ValueError):
        raise ValueError(
            "Unsupported database URL: use sqlite:// or postgresql:// (or postgres://)"
        ) from None
    if parsed.get_backend_name() not in _SUPPORTED_BACKENDS:
        raise ValueError(
            f"Unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
            "use sqlite:// or postgresql:// (or postgres://)"
        )
    return parsed


class AsyncDatabaseCore:
    """Connections, transactions, the catalogue and raw SQL of a database.

    Args:
        url: A URL (``None`` opens an in-memory SQLite database), an engine
            (never disposed by :meth:`close`) or a connection (bound mode: every
            call uses it and the caller owns its transaction).
        echo: Log the SQL.
        foreign_keys: Enforce foreign keys on SQLite.
        sqlite_pragmas: Extra PRAGMAs for every SQLite connection.
        engine_options: Passed to the engine factory.

    Raises:
        ValueError: If the URL names an unsupported database.
    """

    def __init__(
        self,
        url: str | sa.URL | AsyncEngine | AsyncConnection | None = None,
        *,
        echo: bool = False,
        foreign_keys: bool = True,
        sqlite_pragmas: dict[str, Any] | None = None,
        engine_options: dict[str, Any] | None = None,
    ) -> None:
        self._bound: AsyncConnection | None = None
        self._owns_engine = False
        self._config = DBConfig.model_construct(
            url="sqlite://",
            echo=echo,
            sqlite_foreign_keys=foreign_keys,
            sqlite_pragmas=dict(sqlite_pragmas or {}),
        )
        customised = not foreign_keys or bool(sqlite_pragmas)
        if isinstance(url, AsyncConnection):
            self._bound = url
            self._engine = url.engine
        elif isinstance(url, AsyncEngine):
            self._engine = url
        else:
            parsed = _checked_url(url if url is not None else "sqlite:///:memory:")
            self._config = self._config.model_copy(update={"url": parsed})
            self._engine = create_async_engine_from_config(self._config, **(engine_options or {}))
            self._owns_engine = True
            customised = False
        if customised:
            install_sqlite_hooks(self._engine, self._config)
        else:
            install_sqlite_hooks(self._engine)
        self._dialect = self._engine.dialect.name
        self._write_engine = (
            self._engine.execution_options(sqlite_begin="immediate")
            if self._dialect == "sqlite"
            else self._engine
        )
        pool = getattr(self._engine, "sync_engine", self._engine).pool
        self._lock: Lock | None = new_lock() if isinstance(pool, StaticPool) else None
        self._tx: contextvars.ContextVar[_Tx | None] = contextvars.ContextVar(
            f"scu_facade_tx_{id(self)}", default=None
        )
        self._catalog = Catalog(self._dialect)
        self._opened = False
        self._stale = False
        self._handles: dict[tuple[str, bool], AsyncTable] = {}
        self._storable_names: dict[str, bool] = {}
        self._t = TableAccessor(self)
        self._v = ViewAccessor(self)

    # ----------------------------------------------------------------- basics

    @property
    def engine(self) -> AsyncEngine:
        """The engine."""
        return self._engine

    @property
    def t(self) -> TableAccessor:
        """The tables: ``db.t.users``, ``db.t["users"]``, ``"users" in db.t``."""
        return self._t

    @property
    def v(self) -> ViewAccessor:
        """The views: ``db.v.active_users``."""
        return self._v

    def __repr__(self) -> str:
        return f"{type(self).__name__}({display_url(self._engine.url)!r})"

    async def connect(self: DbT) -> DbT:
        """Open the database and load the catalogue; a second call does nothing.

        Returns:
            The database.
        """
        await self._ready()
        return self

    async def close(self) -> None:
        """Dispose the engine if the facade created it; supplied objects stay open."""
        if self._owns_engine:
            await self._engine.dispose()

    async def __aenter__(self: DbT) -> DbT:
        return await self.connect()

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        await self.close()

    # ------------------------------------------------------------ connections

    def _in_tx(self) -> bool:
        return self._tx.get() is not None or self._bound is not None

    def _joined(self) -> _Tx | None:
        state = self._tx.get()
        if state is not None and state.owner != current_owner():
            raise InvalidOperationError(
                "this transaction's connection belongs to another task or thread",
                operation="transaction",
            )
        return state

    @contextlib.asynccontextmanager
    async def _connection(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection for one call: the open transaction's, or a new transaction."""
        try:
            state = self._joined()
            if state is not None:
                yield state.conn
            elif self._bound is not None:
                yield self._bound
            else:
                async with self._lock or contextlib.nullcontext():
                    engine = self._write_engine if write else self._engine
                    async with engine.connect() as conn, conn.begin():
                        yield conn
        except sa_exc.DBAPIError as exc:
            raise self._translate(exc) from exc

    async def _fetch(
        self, statement: Any, params: Mapping[str, Any] | None, *, reused: bool = False
    ) -> list[dict[str, Any]]:
        """Run a read in the open transaction, or in a transaction of its own, as dicts.

        The common case (no transaction, no bound connection, no lock) opens the
        transaction directly instead of through :meth:`_connection`: reads by key
        run once per call, and this is their whole overhead.  ``reused`` marks a
        statement built once and run again (a lookup by key), which may then go
        straight to the driver's cursor.
        """
        if self._lock is None and self._bound is None and self._tx.get() is None:
            try:
                async with self._engine.connect() as conn, conn.begin():
                    return await _records(conn, statement, params, reused)
            except sa_exc.DBAPIError as exc:
                raise self._translate(exc) from exc
        async with self._connection() as conn:
            return await _records(conn, statement, params, reused)

    async def _write_one(self, statement: Any, params: Mapping[str, Any] | None) -> sa.RowMapping:
        """Run a one-row write with ``RETURNING`` and return its row.

        The common case (no transaction, no bound connection, no lock) opens its
        write transaction directly, as :meth:`_fetch` does for reads.
        """
        if self._lock is None and self._bound is None and self._tx.get() is None:
            try:
                async with self._write_engine.connect() as conn, conn.begin():
                    return (await conn.execute(statement, params)).mappings().one()
            except sa_exc.DBAPIError as exc:
                raise self._translate(exc) from exc
        async with self._connection(write=True) as conn:
            return (await conn.execute(statement, params)).mappings().one()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """Run a block in one transaction that every call of the facade joins.

        A nested block is a SAVEPOINT on the same connection: an error rolls
        back to it and is raised again.

        Yields:
            The transaction's connection.
        """
        await self._ready()
        try:
            state = self._joined()
            conn = state.conn if state is not None else self._bound
            if conn is not None:
                async with self._guard_ddl(state):
                    if conn.in_transaction():
                        async with conn.begin_nested():
                            yield conn
                    else:
                        async with conn.begin():
                            yield conn
                return
            try:
                async with (
                    self._lock or contextlib.nullcontext(),
                    self._write_engine.connect() as new_conn,
                    new_conn.begin(),
                ):
                    new_state = _Tx(new_conn, current_owner())
                    token = self._tx.set(new_state)
                    try:
                        async with self._guard_ddl(new_state):
                            yield new_conn
                    finally:
                        self._tx.reset(token)
            except Exception:
                await self._recover()
                raise
        except sa_exc.DBAPIError as exc:
            raise self._translate(exc) from exc

    @contextlib.asynccontextmanager
    async def _without_foreign_keys(self) -> AsyncIterator[AsyncConnection]:
        """A transaction with SQLite foreign key enforcement off (for table rebuilds).

        Raises:
            InvalidOperationError: Inside a transaction while foreign keys are enforced
                (the setting cannot change inside a transaction).
        """
        await self._ready()
        try:
            state = self._joined()
            joined = state.conn if state is not None else self._bound
            if joined is not None:
                enforced = (await joined.exec_driver_sql("PRAGMA foreign_keys")).scalar()
                if enforced:
                    raise InvalidOperationError(
                        "rebuilding a SQLite table needs foreign key enforcement off, which "
                        "cannot change inside a transaction: run it outside transaction()",
                        operation="transform",
                    )
                async with self.transaction() as conn:
                    yield conn
                return
            try:
                async with (
                    self._lock or contextlib.nullcontext(),
                    self._write_engine.connect() as conn,
                ):
                    await run_sync(conn, functools.partial(_set_foreign_keys, on=False))
                    try:
                        async with conn.begin():
                            new_state = _Tx(conn, current_owner())
                            token = self._tx.set(new_state)
                            try:
                                async with self._guard_ddl(new_state):
                                    yield conn
                            finally:
                                self._tx.reset(token)
                    finally:
                        enforce = bool(self._config.sqlite_foreign_keys)
                        await run_sync(conn, functools.partial(_set_foreign_keys, on=enforce))
            except Exception:
                await self._recover()
                raise
        except sa_exc.DBAPIError as exc:
            raise self._translate(exc) from exc

    @contextlib.asynccontextmanager
    async def _guard_ddl(self, state: _Tx | None) -> AsyncIterator[None]:
        try:
            yield
        except BaseException:
            if state is None or state.ddl:
                self._stale = True
            raise

    def _translate(self, error: sa_exc.DBAPIError) -> Exception:
        """Translate a driver error; a missing table makes the catalogue stale."""
        translated = translate_error(error)
        if isinstance(translated, SchemaError) and (
            translated.sqlstate == "42P01" or "no such table" in str(error.orig).lower()
        ):
            self._stale = True
        return translated

    async def _recover(self) -> None:
        """Reload a catalogue that rolled-back DDL left stale (best effort)."""
        if self._stale and self._tx.get() is None and self._bound is None:
            with contextlib.suppress(Exception):
                await self.reflect()

    def _note_ddl(self) -> None:
        state = self._tx.get()
        if state is not None:
            state.ddl = True

    # -------------------------------------------------------------- catalogue

    async def _ready(self) -> None:
        if not self._opened or self._stale:
            await self.reflect()

    def _visible_names(self, *, views: bool) -> list[str]:
        return self._catalog.visible(views=views)

    def _handle(self, name: str, *, view: bool) -> AsyncTable:
        key = (name, view)
        handle = self._handles.get(key)
        if handle is None:
            if self._catalog.get(name, view=view) is None:
                on_miss(self, name, view=view)
            handle = AsyncView(self, name) if view else AsyncTable(self, name)
            self._handles[key] = handle
        return handle

    def _evict(self, name: str) -> None:
        self._catalog.remove(name)
        self._handles.pop((name, False), None)
        self._handles.pop((name, True), None)

    async def reflect(self, schema: str | None = None) -> None:
        """Reload the tables, views, indexes and foreign keys.

        Args:
            schema: Also expose the tables of this schema as ``db.t["schema.table"]``.
        """
        if schema is not None:
            self._check_name(schema, "schema")
        async with self._connection() as conn:
            tables, views = await run_sync(conn, functools.partial(reflect_all, schema=schema))
            fts = await run_sync(conn, read_fts) if schema is None else {}
        if schema is None:
            self._catalog.replace(tables, views)
            self._catalog.fts = fts
            self._opened = True
            self._stale = False
        else:
            self._catalog.add(tables, views, prefix=f"{schema}.")

    async def _reflect_missing(self, name: str, *, view: bool) -> sa.Table | None:
        """Reflect one name that the catalogue lacks; ``None`` if it does not exist.

        A name no table can have (a NUL, too long for the database...) is not looked up:
        no SQL runs, and creating it raises the ``ValidationError``.
        """
        storable = self._storable_names.get(name)
        if storable is None:
            if len(self._storable_names) >= 1024:
                self._storable_names.clear()
            storable = self._storable_names[name] = self._storable(name)
        if not storable:
            return None
        await self._ready()
        found = self._catalog.get(name, view=view)
        if found is not None:
            return found
        async with self._connection() as conn:
            tables, views = await run_sync(
                conn,
                functools.partial(reflect_names, names=[name], metadata=self._catalog.metadata),
            )
        self._catalog.add(tables, views)
        return self._catalog.get(name, view=view)

    async def reflect_table(self, name: str) -> AsyncTable:
        """Reflect one table.

        Raises:
            SchemaError: If the table does not exist.
        """
        if await self._reflect_missing(name, view=False) is None:
            raise SchemaError(f"Table '{name}' does not exist", table_name=name)
        return self._handle(name, view=False)

    async def reflect_view(self, name: str) -> AsyncView:
        """Reflect one view.

        Raises:
            SchemaError: If the view does not exist.
        """
        if await self._reflect_missing(name, view=True) is None:
            raise SchemaError(f"View '{name}' does not exist", table_name=name)
        view = self._handle(name, view=True)
        assert isinstance(view, AsyncView)
        return view

    async def table_names(self) -> list[str]:
        """The tables in the database now (hidden bookkeeping tables left out)."""
        await self._ready()
        async with self._connection() as conn:
            names, shadow = await run_sync(conn, functools.partial(listed_names, views=False))
        return self._catalog.filter_visible(names, shadow)

    async def view_names(self) -> list[str]:
        """The views in the database now."""
        await self._ready()
        async with self._connection() as conn:
            names, shadow = await run_sync(conn, functools.partial(listed_names, views=True))
        return self._catalog.filter_visible(names, shadow)

    # -------------------------------------------------------------------- SQL

    async def q(
        self, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run SQL and return its rows as dicts (``[]`` when it returns none).

        Args:
            query: SQL with ``:name`` (dict params) or ``?`` (list params) placeholders.
            params: The values, always bound.

        Returns:
            The rows.

        Raises:
            ValidationError: If the placeholder styles are mixed or values are missing.
        """
        return (await self._run(query, params))[0]

    async def _run(
        self, query: str, params: Sequence[Any] | Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], int]:
        clause = bound_text(query, params)
        await self._ready()
        width = 0
        async with self._connection(write=not _READ_ONLY.match(query)) as conn:
            result = await conn.execute(clause)
            rows: list[dict[str, Any]] = []
            if result.returns_rows:
                width = len(result.keys())
                rows = [dict(row) for row in result.mappings()]
        if is_ddl(query):
            await self._after_ddl()
        return rows, width

    async def _after_ddl(self) -> None:
        """Reload the catalogue after DDL the facade did not build itself."""
        self._stale = True
        self._note_ddl()
        await self._ready()

    async def item(
        self, sql: str, where_args: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> Any:
        """Return the single value of a one-row, one-column query.

        Raises:
            NotFoundError: If no row comes back.
            MultipleRecordsError: If several rows come back.
            ValueError: If the row has several columns.
        """
        rows, width = await self._run(sql, where_args)
        if width > 1:
            raise ValueError(f"Query returned {width} columns; item() needs exactly one")
        if not rows:
            raise NotFoundError("Query returned no rows", filters=None)
        if len(rows) > 1:
            raise MultipleRecordsError("query", len(rows))
        return next(iter(rows[0].values()))

    async def executescript(self, sql: str) -> None:
        """Run a script of several statements in one transaction."""
        statements = split_script(sql)
        await self._ready()
        async with self._connection(write=True) as conn:
            for statement in statements:
                await conn.exec_driver_sql(statement)
        if any(is_ddl(statement) for statement in statements):
            await self._after_ddl()

    async def enable_foreign_keys(self) -> None:
        """Enforce foreign keys on every SQLite connection (no-op on PostgreSQL)."""
        if self._dialect != "sqlite":
            return
        self._config = self._config.model_copy(update={"sqlite_foreign_keys": True})
        install_sqlite_hooks(self._engine, self._config)
        if self._tx.get() is None and self._bound is not None and not self._bound.in_transaction():
            await self._bound.exec_driver_sql("PRAGMA foreign_keys = ON")

    def _quote(self, name: str) -> str:
        return self._engine.dialect.identifier_preparer.quote(name)

    def _drop(self, kind: str, name: str, *, if_exists: bool = False) -> FacadeDDL:
        """``DROP`` a table or view (``CASCADE`` on PostgreSQL) as a DDL construct."""
        return drop(kind, name, if_exists=if_exists, cascade=self._dialect == "postgresql")

    def _check_name(self, name: Any, what: str, *, column: bool = False) -> str:
        """Validate a name for this database (length limit, reserved prefixes)."""
        return check_identifier(name, what, dialect=self._engine.dialect, column=column)

    def _storable(self, name: str) -> bool:
        """Tell whether this database can hold an object called ``name`` at all."""
        try:
            self._check_name(name, "name", column=True)
        except ValidationError:
            return False
        return True

    def _prepare_table(
        self,
        sa_table: sa.Table,
        indexes: Iterable[str | tuple[str, ...] | Index | FTSIndex],
    ) -> tuple[list[Index], list[FTSIndex]]:
        """Validate a table to create and its indexes before any SQL runs.

        Raises:
            ValidationError: For an invalid table, column or index name, or an index on
                an unknown column.
        """
        self._check_name(sa_table.name, "table name")
        columns = [c.name for c in sa_table.columns]
        for column in columns:
            self._check_name(column, "column name", column=True)
        plain, fts = index_specs(sa_table.name, columns, indexes)
        for spec in plain:
            self._check_name(spec.name, "index name")
        for entry in fts:
            fts_name = entry.name if entry.name is not None else f"{sa_table.name}_fts"
            self._check_name(fts_name, "full-text index name")
            check_fts_name(self._dialect, fts_name, entry.columns)
            check_language(entry.language)
        return plain, fts

    def _check_references(self, sa_table: sa.Table) -> None:
        """Raise :class:`SchemaError` for a foreign key to a table or column that is not known."""
        for fk in sa_table.foreign_keys:
            target_name, _, column = fk.target_fullname.rpartition(".")
            target = (
                sa_table
                if target_name == sa_table.name
                else self._catalog.metadata.tables.get(target_name)
            )
            if target is None or column not in target.columns:
                raise SchemaError(
                    f"Foreign key {sa_table.name}.{fk.parent.name} references "
                    f"{fk.target_fullname}, which does not exist",
                    table_name=sa_table.name,
                    column_name=fk.parent.name,
                )

    async def _create_table(
        self,
        draft: sa.Table,
        cls: type | None,
        indexes: Iterable[str | tuple[str, ...] | Index | FTSIndex],
        *,
        drop_first: bool,
    ) -> AsyncTable:
        """Create ``draft`` (a table outside the catalogue) and put it in the catalogue.

        Every check runs before the catalogue changes or any SQL runs.
        """
        plain, fts = self._prepare_table(draft, indexes)
        self._check_references(draft)
        self._catalog.detach(draft.name)
        sa_table = draft.to_metadata(self._catalog.metadata)
        for spec in plain:
            sa.Index(spec.name, *(sa_table.c[col] for col in spec.columns), unique=spec.unique)
        async with self.transaction() as conn:
            if drop_first:
                await self._drop_fts_objects(conn, sa_table.name)
                await conn.execute(self._drop("TABLE", sa_table.name))
            await conn.execute(CreateTable(sa_table))
            for index in sa_table.indexes:
                await conn.execute(CreateIndex(index))
            self._note_ddl()
            self._catalog.put(sa_table, view=False)
            if cls is not None:
                self._catalog.bind(sa_table.name, cls)
            self._handles.pop((sa_table.name, True), None)
            table = self._handle(sa_table.name, view=False)
            for entry in fts:
                await table.create_fts_index(entry.columns, entry.name, entry.language)
        return table

    async def _drop_fts_objects(self, conn: AsyncConnection, table_name: str) -> None:
        """Drop the full-text indexes of a table and their bookkeeping rows."""
        for index in self._catalog.fts.pop(table_name, []):
            for statement in fts_drop_sql(self._dialect, index["name"]):
                await conn.execute(statement)
            await conn.execute(sa.delete(fts_table).where(fts_table.c.name == index["name"]))
