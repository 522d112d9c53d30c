"""Exceptions of the table facade, with the deebase names.

The facade raises the package's own classes.  Two of deebase's names have no
counterpart in :mod:`sqlmodel_crud_utils.exceptions`, so they are defined here:
:class:`NotFoundError` (a :class:`RecordNotFoundError`) and
:class:`ForeignKeyValidationError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel_crud_utils.exceptions import (
    CheckConstraintError,
    DatabaseConnectionError,
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    InvalidOperationError,
    MultipleRecordsError,
    NotNullError,
    RecordNotFoundError,
    SchemaError,
    SQLModelCRUDError,
    ValidationError,
)

__all__ = [
    "CheckConstraintError",
    "DeeBaseError",
    "DuplicateKeyError",
    "ForeignKeyError",
    "ForeignKeyValidationError",
    "IntegrityError",
    "InvalidOperationError",
    "MultipleRecordsError",
    "NotFoundError",
    "NotNullError",
    "SchemaError",
    "ValidationError",
]

#: deebase's base class name.
DeeBaseError = SQLModelCRUDError

#: The connection error class (deebase calls it ``ConnectionError``).
FacadeConnectionError = DatabaseConnectionError


class NotFoundError(RecordNotFoundError):
    """No row matched.

    Args:
        message: What was looked for; ``str(error)`` is exactly this text.
        table_name: The table or view queried.
        filters: The values looked for, as ``{column: value}``.

    Attributes:
        message: The message.
        table_name: The table name, or ``None``.
        filters: The filters, or ``None``.
        model: The table name (the parent's attribute).
        id_value: The filters' single value, or the filters themselves.
        pk_field: The filters' single column, or ``"id"``.
    """

    def __init__(
        self,
        message: str,
        table_name: str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> None:
        self.message = message
        self.table_name = table_name
        self.filters = dict(filters) if filters is not None else None
        self.model = table_name
        if self.filters and len(self.filters) == 1:
            ((self.pk_field, self.id_value),) = self.filters.items()
        else:
            self.pk_field = "id"
            self.id_value = self.filters
        Exception.__init__(self, message)

    def __str__(self) -> str:
        return self.message


class ForeignKeyValidationError(SQLModelCRUDError):
    """Foreign key values point at rows that do not exist.

    Args:
        errors: One ``{"field", "value", "message"}`` dict per failed value.

    Attributes:
        errors: The failures.
        message: ``"Foreign key validation failed: <field>: <message>; ..."``.
    """

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        self.errors = [dict(item) for item in errors]
        details = "; ".join(f"{item.get('field')}: {item.get('message')}" for item in self.errors)
        self.message = f"Foreign key validation failed: {details}"
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-friendly dict.

        Returns:
            ``{"type": "foreign_key_validation_error", "message", "errors"}``.
        """
        return {
            "type": "foreign_key_validation_error",
            "message": self.message,
            "errors": [dict(item) for item in self.errors],
        }
