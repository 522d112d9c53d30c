# This file is generated from src/sqlmodel_crud_utils/facade/aio/validated.py by scripts/unasync.py. Do not edit it by hand.
"""Validation in front of a table: field validators and foreign key checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .._records import record_to_dict
from ..errors import ForeignKeyValidationError
from ..validators import apply_validators

if TYPE_CHECKING:
    from .core import DatabaseCore
    from .table import Table

__all__ = ["ValidatedTable", "validate_foreign_keys"]


def validate_foreign_keys(db: DatabaseCore, table: Table, data: Mapping[str, Any]) -> None:
    """Check that every foreign key value in ``data`` exists in its parent table.

    ``None`` values are skipped.  Each value is looked up in the column the
    foreign key references, which need not be the primary key.

    Raises:
        ForeignKeyValidationError: Listing every value without a parent row.
    """
    sa_table = table._table()
    errors: list[dict[str, Any]] = []
    for fk in sorted(sa_table.foreign_keys, key=lambda f: f.parent.name):
        column = fk.parent.name
        value = data.get(column)
        if value is None:
            continue
        target_table, _, target_column = fk.target_fullname.rpartition(".")
        parent = db._handle(target_table, view=False)
        parent_table = parent._table()
        if parent._one(parent_table, {target_column: value}, first=True) is None:
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


class ValidatedTable:
    """A table whose writes run field validators, then the foreign key check.

    Every other member passes through to the wrapped table.

    Args:
        table: The table.
        validators: ``{field: callable}``; each returns the value to store.
        validate_fks: Check foreign key values before writing.
    """

    def __init__(
        self,
        table: Table,
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

    def _check(self, record: Any, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        values, _from_object = record_to_dict(record)
        values.update(kwargs)
        values = apply_validators(values, self.validators)
        if self.validate_fks:
            validate_foreign_keys(self.table._db, self.table, values)
        return values

    def insert(self, record: Any = None, **kwargs: Any) -> Any:
        """Validate, then :meth:`Table.insert`."""
        return self.table.insert(self._check(record, kwargs))

    def update(self, record: Any = None, pk_values: Any = None, **kwargs: Any) -> Any:
        """Validate, then :meth:`Table.update`."""
        return self.table.update(self._check(record, kwargs), pk_values=pk_values)

    def upsert(
        self, record: Any = None, *, pk: str | list[str] | None = None, **kwargs: Any
    ) -> Any:
        """Validate, then :meth:`Table.upsert`."""
        return self.table.upsert(self._check(record, kwargs), pk=pk)

    def _check_record(self, record: Any) -> dict[str, Any]:
        return self._check(record, {})

    def insert_all(self, records: Iterable[Any], **kwargs: Any) -> int:
        """Validate the records, then insert them as :meth:`Table.insert_all` does.

        Records are read and validated one batch at a time, in the transaction
        that inserts them, so a generator of any length runs in constant memory
        and a failed check leaves no rows behind.
        """
        with self.table._db.transaction():
            return self.table._insert_rows(records, self._check_record, **kwargs)

    def upsert_all(self, records: Iterable[Any], **kwargs: Any) -> int:
        """Validate the records, then write them as :meth:`Table.upsert_all` does."""
        return self.insert_all(records, upsert=True, **kwargs)
