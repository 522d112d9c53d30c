"""Exception hierarchy of ``sqlmodel_crud_utils``.

Every exception raised on purpose by the package derives from :class:`SQLModelCRUDError`, so
``except SQLModelCRUDError`` catches them all. The first eight classes and the three factory
functions keep the names, constructors, attributes and messages of upstream
``sqlmodel-crud-utilities`` 0.4.0. The others refine them: database errors translated by error
code (see :mod:`sqlmodel_crud_utils._core.errors`) raise the most precise class available, for
example :class:`DuplicateKeyError` (a :class:`QueryExecutionError`) or :class:`RetryableError`
(a :class:`TransactionError`).

Messages never show a database password: URLs are rendered with the password masked.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import InvalidRequestError as _SAInvalidRequestError

__all__ = [
    # upstream 0.4.0
    "SQLModelCRUDError",
    "RecordNotFoundError",
    "MultipleRecordsError",
    "ValidationError",
    "BulkOperationError",
    "TransactionError",
    "DatabaseConnectionError",
    "QueryExecutionError",
    "not_found",
    "multiple_found",
    "validation_error",
    # added by this project
    "IntegrityError",
    "DuplicateKeyError",
    "ForeignKeyError",
    "NotNullError",
    "CheckConstraintError",
    "RetryableError",
    "SchemaError",
    "ConcurrencyError",
    "InvalidOperationError",
    "InvalidArgumentError",
    "UnknownColumnError",
    "UnknownFilterError",
]

_QUERY_PREVIEW = 200
_DSN_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def _model_name(model: Any) -> str:
    name = getattr(model, "__name__", None)
    return name if isinstance(name, str) else str(model)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}({error})"


def _query_preview(query: str) -> str:
    if len(query) > _QUERY_PREVIEW:
        return f"{query[:_QUERY_PREVIEW]}..."
    return query


def mask_database_url(url: str | URL) -> str:
    """Render a database URL with its password hidden.

    Args:
        url: A URL string, a ``sqlalchemy.engine.URL`` or a libpq ``key=value`` string.

    Returns:
        The URL with the password replaced by ``***``. A value that does not parse as a URL is
        returned unchanged, except that ``password=...`` pairs are masked.
    """
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        return _DSN_PASSWORD.sub(r"\1***", str(url))


def _restore(cls: type[SQLModelCRUDError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class SQLModelCRUDError(Exception):
    """Base class of every exception raised by ``sqlmodel_crud_utils``.

    Attributes:
        original_error: The underlying exception, when there is one.
        code: The driver's error code of a translated database error: the PostgreSQL SQLSTATE
            (``str``) or the SQLite extended result code (``int``), else ``None``.
        sqlstate: The PostgreSQL SQLSTATE of a translated error, else ``None``.
        sqlite_errorcode: The SQLite extended result code of a translated error, else ``None``.
        sqlite_errorname: The SQLite result code name (``"SQLITE_BUSY"``), else ``None``.
    """

    original_error: BaseException | None = None
    code: str | int | None = None
    sqlstate: str | None = None
    sqlite_errorcode: int | None = None
    sqlite_errorname: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Constructors take other arguments than ``self.args``; rebuild from the state instead,
        # so instances survive ``pickle`` and ``copy``.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class RecordNotFoundError(SQLModelCRUDError):
    """No row of ``model`` has the given primary key value.

    Args:
        model: The model class that was queried.
        id_value: The primary key value looked for.
        pk_field: The name of the primary key field.

    Attributes:
        model: The model class.
        id_value: The primary key value.
        pk_field: The primary key field name.
    """

    def __init__(self, model: Any, id_value: Any, pk_field: str = "id") -> None:
        self.model = model
        self.id_value = id_value
        self.pk_field = pk_field
        super().__init__(f"{_model_name(model)} with {pk_field}={id_value!r} not found")


class MultipleRecordsError(SQLModelCRUDError, ValueError):
    """More than one row matched where exactly one was expected.

    Also a ``ValueError``, so code that catches the ``ValueError`` of a failed uniqueness check
    keeps working.

    Args:
        model: The model class that was queried.
        count: How many rows matched.
        filters: The filters used, shown in the message when not empty.

    Attributes:
        model: The model class.
        count: The number of matching rows.
        filters: The filters, or ``None``.
    """

    def __init__(self, model: Any, count: int, filters: dict[str, Any] | None = None) -> None:
        self.model = model
        self.count = count
        self.filters = filters
        message = f"Expected 1 {_model_name(model)}, found {count}"
        if filters:
            message += f" (filters: {filters})"
        super().__init__(message)


_ErrorItems = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def _error_items(errors: _ErrorItems | None) -> list[tuple[str, Any]]:
    if not errors:
        return []
    if isinstance(errors, Mapping):
        return [(str(key), value) for key, value in errors.items()]
    items: list[tuple[str, Any]] = []
    for item in errors:
        if isinstance(item, Mapping):
            items.append((str(item.get("field")), item.get("message")))
        else:
            items.append((str(item), ""))
    return items


class ValidationError(SQLModelCRUDError):
    """Input was rejected before it reached the database.

    The message is ``Validation failed for field '<field>': <message>`` (plus
    `` (value: <repr>)`` when ``value`` is not ``None``), or ``Validation failed: <message>``
    without a field, followed by one line ``  - <field>: <error>`` per item of ``errors``.

    Args:
        message: What is wrong.
        field: The offending field, if any.
        value: The offending value, if any.
        errors: Further per-field errors, either ``{field: message}`` or a list of
            ``{"field": ..., "message": ...}`` dicts.

    Attributes:
        message: The ``message`` argument, unformatted.
        field: The field, or ``None``.
        value: The value, or ``None``.
        errors: ``errors`` as given, or ``[]``.
    """

    def __init__(
        self,
        message: str,
        field: str | None = None,
        value: Any | None = None,
        errors: _ErrorItems | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.value = value
        self.errors: _ErrorItems = errors if errors is not None else []
        if field:
            text = f"Validation failed for field '{field}': {message}"
            if value is not None:
                text += f" (value: {value!r})"
        else:
            text = f"Validation failed: {message}"
        for key, error in _error_items(errors):
            text += f"\n  - {key}: {error}"
        super().__init__(text)

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-friendly dict.

        Returns:
            ``{"type": "validation_error", "message", "field", "value", "errors"}`` where
            ``errors`` is always a list of ``{"field": ..., "message": ...}`` dicts.
        """
        return {
            "type": "validation_error",
            "message": self.message,
            "field": self.field,
            "value": self.value,
            "errors": [
                {"field": key, "message": error} for key, error in _error_items(self.errors)
            ],
        }


class BulkOperationError(SQLModelCRUDError):
    """Some or all records of a bulk operation failed.

    Args:
        total: How many records the operation was given.
        failed: How many of them failed.
        errors: The errors met, as exceptions or text.
        successful: The records that were saved.
        failed_records: The records that failed.

    Attributes:
        total: The number of records.
        failed: The number of failed records.
        errors: The errors.
        successful: The saved records (``[]`` when not given).
        failed_records: The failed records (``[]`` when not given).
    """

    def __init__(
        self,
        total: int,
        failed: int,
        errors: list[str | Exception],
        successful: list[Any] | None = None,
        failed_records: list[Any] | None = None,
    ) -> None:
        self.total = total
        self.failed = failed
        self.errors = errors
        self.successful = successful if successful is not None else []
        self.failed_records = failed_records if failed_records is not None else []
        rate = (total - failed) / total * 100 if total else 0
        super().__init__(
            f"Bulk operation failed: {failed}/{total} records failed ({rate:.1f}% success rate)"
        )

    def get_error_summary(self) -> str:
        """Return the message followed by a numbered list of the errors.

        Returns:
            The message, a blank line, ``Error details:`` and one line per error:
            ``  <n>. <ExceptionType>: <exception>`` or ``  <n>. <text>``.
        """
        lines = [str(self), "", "Error details:"]
        for number, error in enumerate(self.errors, 1):
            if isinstance(error, BaseException):
                lines.append(f"  {number}. {type(error).__name__}: {error}")
            else:
                lines.append(f"  {number}. {error}")
        return "\n".join(lines)


class TransactionError(SQLModelCRUDError):
    """A transaction could not be completed and was rolled back.

    Message, first applicable form: ``message``;
    ``Transaction operation '<operation>' failed: <ErrorType>(<error>)``;
    ``Transaction operation '<operation>' failed``; ``Transaction failed: <error>``;
    ``Transaction operation failed``.

    Args:
        message: An explicit message.
        operation: The operation that failed, for example ``"commit"``.
        original_error: The exception that made it fail.

    Attributes:
        operation: The operation, or ``None``.
        original_error: The underlying exception, or ``None``.
    """

    def __init__(
        self,
        message: str | None = None,
        operation: str | None = None,
        original_error: BaseException | None = None,
    ) -> None:
        self.operation = operation
        self.original_error = original_error
        if message is None:
            if operation is not None and original_error is not None:
                message = f"Transaction operation '{operation}' failed: {_describe(original_error)}"
            elif operation is not None:
                message = f"Transaction operation '{operation}' failed"
            elif original_error is not None:
                message = f"Transaction failed: {original_error}"
            else:
                message = "Transaction operation failed"
        super().__init__(message)


class DatabaseConnectionError(SQLModelCRUDError, builtins.ConnectionError):
    """The database could not be reached or the connection was lost.

    Also a builtin ``ConnectionError``. The URL is stored and shown with its password masked.

    Message, first applicable form: ``message``;
    ``Failed to connect to database at <url>: <ErrorType>(<error>)``;
    ``Failed to connect to database at <url>``; ``Database connection failed: <error>``;
    ``Database connection failed``.

    Args:
        message: An explicit message.
        database_url: The database URL (its password is never kept).
        original_error: The exception that made it fail.

    Attributes:
        database_url: The URL with the password masked, or ``None``.
        original_error: The underlying exception, or ``None``.
    """

    def __init__(
        self,
        message: str | None = None,
        database_url: str | URL | None = None,
        original_error: BaseException | None = None,
    ) -> None:
        url = mask_database_url(database_url) if database_url is not None else None
        self.database_url = url
        self.original_error = original_error
        if message is None:
            if url is not None and original_error is not None:
                message = f"Failed to connect to database at {url}: {_describe(original_error)}"
            elif url is not None:
                message = f"Failed to connect to database at {url}"
            elif original_error is not None:
                message = f"Database connection failed: {original_error}"
            else:
                message = "Database connection failed"
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class QueryExecutionError(SQLModelCRUDError):
    """A statement failed in the database.

    Message, first applicable form: ``message``;
    ``Query execution failed: <ErrorType>(<error>)`` + newline + ``Query: <query>``;
    ``Query execution failed: <query>``; ``Query execution failed: <error>``;
    ``Query execution failed``. The query is cut to 200 characters, followed by ``...`` when
    longer.

    Args:
        message: An explicit message.
        query: The SQL that failed, when known.
        original_error: The exception that made it fail.

    Attributes:
        query: The SQL, or ``None``.
        original_error: The underlying exception, or ``None``.
    """

    def __init__(
        self,
        message: str | None = None,
        query: str | None = None,
        original_error: BaseException | None = None,
    ) -> None:
        self.query = query
        self.original_error = original_error
        if message is None:
            if query is not None and original_error is not None:
                message = (
                    f"Query execution failed: {_describe(original_error)}\n"
                    f"Query: {_query_preview(query)}"
                )
            elif query is not None:
                message = f"Query execution failed: {_query_preview(query)}"
            elif original_error is not None:
                message = f"Query execution failed: {original_error}"
            else:
                message = "Query execution failed"
        super().__init__(message)


class IntegrityError(QueryExecutionError):
    """A write violated a constraint.

    The subclasses tell which kind; this class itself is raised for other constraint kinds, or
    when the driver does not report the kind.

    Args:
        message: What happened; without it the :class:`QueryExecutionError` forms apply.
        constraint: The kind of constraint: ``"unique"``, ``"primary_key"``,
            ``"foreign_key"``, ``"not_null"``, ``"check"`` or ``None`` when unknown.
        table_name: The table, when the driver reports it.
        column_name: The column, when the driver reports it.
        constraint_name: The constraint's name, when the driver reports it.
        query: The SQL that failed, when known.
        original_error: The underlying exception.

    Attributes:
        constraint: The constraint kind, or ``None``.
        table_name: The table name, or ``None``.
        column_name: The column name, or ``None``.
        constraint_name: The constraint name, or ``None``.
        query: The SQL, or ``None``.
        original_error: The underlying exception, or ``None``.
    """

    default_constraint: str | None = None

    def __init__(
        self,
        message: str | None = None,
        constraint: str | None = None,
        table_name: str | None = None,
        *,
        column_name: str | None = None,
        constraint_name: str | None = None,
        query: str | None = None,
        original_error: BaseException | None = None,
    ) -> None:
        self.constraint = constraint if constraint is not None else self.default_constraint
        self.table_name = table_name
        self.column_name = column_name
        self.constraint_name = constraint_name
        super().__init__(message, query=query, original_error=original_error)


class DuplicateKeyError(IntegrityError):
    """A unique or primary key constraint was violated (``constraint`` defaults to ``"unique"``)."""

    default_constraint = "unique"


class ForeignKeyError(IntegrityError):
    """A foreign key constraint was violated (``constraint`` is ``"foreign_key"``)."""

    default_constraint = "foreign_key"


class NotNullError(IntegrityError):
    """A NOT NULL constraint was violated (``constraint`` is ``"not_null"``)."""

    default_constraint = "not_null"


class CheckConstraintError(IntegrityError):
    """A CHECK constraint was violated (``constraint`` is ``"check"``)."""

    default_constraint = "check"


class RetryableError(TransactionError):
    """The database refused the work for a transient reason; running it again may succeed.

    Raised for SQLite busy/locked errors and PostgreSQL serialization failures (40001),
    deadlocks (40P01) and unavailable locks (55P03). The transaction was rolled back; retry the
    whole transaction, not just the last statement. Same constructor as
    :class:`TransactionError`.
    """


class SchemaError(QueryExecutionError):
    """A table or column is missing, or already exists.

    A :class:`QueryExecutionError` too, since it is raised when a statement fails.

    Args:
        message: What is wrong.
        table_name: The table concerned, when known.
        column_name: The column concerned, when known.
        query: The SQL that failed, when known.
        original_error: The underlying exception, if any.

    Attributes:
        message: The message.
        table_name: The table name, or ``None``.
        column_name: The column name, or ``None``.
        original_error: The underlying exception, or ``None``.
    """

    def __init__(
        self,
        message: str,
        table_name: str | None = None,
        column_name: str | None = None,
        *,
        query: str | None = None,
        original_error: BaseException | None = None,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        super().__init__(message, query=query, original_error=original_error)
        self.message = message


class ConcurrencyError(SQLModelCRUDError):
    """A row changed since it was read (an optimistic-lock conflict).

    Reload the row and apply the change again.

    Args:
        message: An explicit message.
        table_name: The table concerned, when known.
        id_value: The primary key of the row concerned, when known.
        original_error: The underlying exception, if any.

    Attributes:
        table_name: The table name, or ``None``.
        id_value: The primary key value, or ``None``.
        original_error: The underlying exception, or ``None``.
    """

    def __init__(
        self,
        message: str | None = None,
        table_name: str | None = None,
        id_value: Any | None = None,
        *,
        original_error: BaseException | None = None,
    ) -> None:
        self.table_name = table_name
        self.id_value = id_value
        self.original_error = original_error
        if message is None:
            message = "Concurrent modification detected"
            if table_name is not None:
                message += f" in table '{table_name}'"
            if id_value is not None:
                message += f" (id={id_value!r})"
        super().__init__(message)


class InvalidOperationError(SQLModelCRUDError, NotImplementedError):
    """The operation is not allowed on this target.

    For example writing to a view, updating or deleting without a primary key, or using a
    transaction's connection from another task or thread. Also a ``NotImplementedError``.

    Args:
        message: What is not allowed.
        operation: The operation attempted, for example ``"update"``.
        target: What it was attempted on, for example a table or view name.

    Attributes:
        message: The message.
        operation: The operation, or ``None``.
        target: The target, or ``None``.
    """

    def __init__(self, message: str, operation: str | None = None, target: Any = None) -> None:
        self.message = message
        self.operation = operation
        self.target = target
        super().__init__(message)


def not_found(model: Any, id_value: Any, pk_field: str = "id") -> RecordNotFoundError:
    """Build a :class:`RecordNotFoundError`.

    Args:
        model: The model class that was queried.
        id_value: The primary key value looked for.
        pk_field: The name of the primary key field.

    Returns:
        The exception, not raised.
    """
    return RecordNotFoundError(model, id_value, pk_field)


def multiple_found(
    model: Any, count: int, filters: dict[str, Any] | None = None
) -> MultipleRecordsError:
    """Build a :class:`MultipleRecordsError`.

    Args:
        model: The model class that was queried.
        count: How many rows matched.
        filters: The filters used.

    Returns:
        The exception, not raised.
    """
    return MultipleRecordsError(model, count, filters)


def validation_error(
    message: str,
    field: str | None = None,
    value: Any | None = None,
    errors: _ErrorItems | None = None,
) -> ValidationError:
    """Build a :class:`ValidationError`.

    Args:
        message: What is wrong.
        field: The offending field, if any.
        value: The offending value, if any.
        errors: Further per-field errors (dict or list form).

    Returns:
        The exception, not raised.
    """
    return ValidationError(message, field, value, errors)


class InvalidArgumentError(ValidationError, ValueError):
    """An argument value is unusable (for example ``__between`` without two bounds).

    Also a ``ValueError``, which upstream raised for bad arguments.
    """


class UnknownColumnError(ValidationError, AttributeError):
    """A name that should be a column of the model is not one.

    Also an ``AttributeError``, which upstream raised for unknown columns; the
    message lists the model's valid columns.
    """


# SQLAlchemy's errors also define ``code`` (``str | None``, the id of their documentation page);
# the package's ``code`` (a driver error code, ``str | int | None``) comes first in the MRO.
class UnknownFilterError(ValidationError, _SAInvalidRequestError):  # type: ignore[misc]
    """A filter key is neither a column, a column with an operator, nor a relationship.

    Also SQLAlchemy's ``InvalidRequestError``, which upstream raised from
    ``filter_by``; the message lists the valid columns and operators.
    """
