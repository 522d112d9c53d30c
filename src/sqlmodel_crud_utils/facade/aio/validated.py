"""Validation in front of a table: field validators and foreign key checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._records import record_to_dict
from ..errors import ForeignKeyValidationError
from ..validators import async_apply_validators

if TYPE_CHECKING:
    from .core import AsyncDatabaseCore
    from .table import AsyncTable

__all__ = ["AsyncValidatedTable", "validate_foreign_keys"]


async def validate_foreign_keys(
    db: AsyncDatabaseCore, table: AsyncTable, data: Mapping[str, Any]
) -> None:
    """Check that every foreign key value in ``data`` exists in its parent table.

    ``None`` values are skipped.  Each value is looked up in the column the
    foreign key references, which need not be the primary key.

    Raises:
        ForeignKeyValidationError: Listing every value without a parent row.
    """
    sa_table = await table._table()
    errors: list[dict[str, Any]] = []
    for fk in sorted(sa_table.foreign_keys, key=lambda f: f.parent.name):
        column = fk.parent.name
        value = data.get(column)
        if value is None:
            continue
        target_table, _, target_column = fk.target_fullname.rpartition(".")
        parent = db._handle(target_table, view=False)
        parent_table = await parent._table()
        if await parent._one(parent_table, {target_column: value}, first=True) is None:
            errors.append(
                {
                    "field": column,
                    "value": value,
                    "message": f"Referenced {target_table} with {target_column}={value} "
                    "does not exist",
                }
            )
    if errors:
        raise ForeignKeyValidationError(errors)


class AsyncValidatedTable:
    """A table whose writes run field validators, then the foreign key check.

    Every other member passes through to the wrapped table.

    Args:
        table: The table.
        validators: ``{field: callable}``; each returns the value to store.
        validate_fks: Check foreign key values before writing.
    """

    def __init__(
        self,
        table: AsyncTable,
        validators: Mapping[str, Callable[[Any], Any]] | None = None,
        validate_fks: bool = True,
    ) -> None:
        self.table = table
        self.validators = dict(validators or {})
        self.validate_fks = validate_fks

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.table.name}>"

    async def _check(self, record: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        values, _from_object = record_to_dict(record)
        values.update(kwargs)
        values = await async_apply_validators(values, self.validators)
        if self.validate_fks:
            await validate_foreign_keys(self.table._db, self.table, values)
        return values

    async def insert(self, record: Any = None, **kwargs: Any) -> Any:
        """Validate, then :meth:`AsyncTable.insert`."""
        return await self.table.insert(await self._check(record, kwargs))

    async def update(self, record: Any = None, pk_values: Any = None, **kwargs: Any) -> Any:
        """Validate, then :meth:`AsyncTable.update`."""
        return await self.table.update(await self._check(record, kwargs), pk_values=pk_values)

    async def upsert(
        self, record: Any = None, *, pk: str | list[str] | None = None, **kwargs: Any
    ) -> Any:
        """Validate, then :meth:`AsyncTable.upsert`."""
        return await self.table.upsert(await self._check(record, kwargs), pk=pk)

    async def _check_record(self, record: Any) -> dict[str, Any]:
        return await self._check(record, {})

    async def insert_all(self, records: Iterable[Any], **kwargs: Any) -> int:
        """Validate the records, then insert them as :meth:`AsyncTable.insert_all` does.

        Records are read and validated one batch at a time, in the transaction
        that inserts them, so a generator of any length runs in constant memory
        and a failed check leaves no rows behind.
        """
        async with self.table._db.transaction():
            return await self.table._insert_rows(records, self._check_record, **kwargs)

    async def upsert_all(self, records: Iterable[Any], **kwargs: Any) -> int:
        """Validate the records, then write them as :meth:`AsyncTable.upsert_all` does."""
        return await self.insert_all(records, upsert=True, **kwargs)
