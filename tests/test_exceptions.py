"""The exception hierarchy: upstream 0.4.0 messages and attributes, and the added classes."""

from __future__ import annotations

import builtins
import copy
import pickle
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from sqlmodel_crud_utils import exceptions
from sqlmodel_crud_utils.exceptions import (
    BulkOperationError,
    CheckConstraintError,
    ConcurrencyError,
    DatabaseConnectionError,
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    InvalidOperationError,
    MultipleRecordsError,
    NotNullError,
    QueryExecutionError,
    RecordNotFoundError,
    RetryableError,
    SchemaError,
    SQLModelCRUDError,
    TransactionError,
    ValidationError,
    mask_database_url,
    multiple_found,
    not_found,
    validation_error,
)

UPSTREAM_NAMES = {
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
}
ADDED_NAMES = {
    "IntegrityError",
    "DuplicateKeyError",
    "ForeignKeyError",
    "NotNullError",
    "CheckConstraintError",
    "RetryableError",
    "SchemaError",
    "ConcurrencyError",
    "InvalidOperationError",
}


class Hero:
    """A stand-in model class: only its name matters to the messages."""


class Named:
    """An object without ``__name__``: messages fall back to ``str()``."""

    def __str__(self) -> str:
        return "heroes"


# --------------------------------------------------------------------------- module surface


def test_all_lists_upstream_and_added_names() -> None:
    assert set(exceptions.__all__) >= UPSTREAM_NAMES | ADDED_NAMES
    assert exceptions.__all__[: len(UPSTREAM_NAMES)] == [
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
    ]
    assert len(exceptions.__all__) == len(set(exceptions.__all__))
    for name in exceptions.__all__:
        assert hasattr(exceptions, name)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, Any] = {}
    exec("from sqlmodel_crud_utils.exceptions import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(exceptions.__all__)


def test_every_class_derives_from_base() -> None:
    for name in exceptions.__all__:
        member = getattr(exceptions, name)
        if isinstance(member, type):
            assert issubclass(member, SQLModelCRUDError), name
        else:
            assert name in {"not_found", "multiple_found", "validation_error"}
    assert SQLModelCRUDError.__bases__ == (Exception,)


@pytest.mark.parametrize(
    "error",
    [
        RecordNotFoundError(Hero, 1),
        MultipleRecordsError(Hero, 2),
        ValidationError("bad"),
        BulkOperationError(1, 1, []),
        TransactionError(),
        DatabaseConnectionError(),
        QueryExecutionError(),
        IntegrityError("x"),
        DuplicateKeyError("x"),
        ForeignKeyError("x"),
        NotNullError("x"),
        CheckConstraintError("x"),
        RetryableError(),
        SchemaError("x"),
        ConcurrencyError(),
        InvalidOperationError("x"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_except_base_catches_everything(error: SQLModelCRUDError) -> None:
    with pytest.raises(SQLModelCRUDError) as info:
        raise error
    assert info.value is error


def test_added_hierarchy() -> None:
    for cls in (DuplicateKeyError, ForeignKeyError, NotNullError, CheckConstraintError):
        assert issubclass(cls, IntegrityError)
    assert issubclass(IntegrityError, QueryExecutionError)
    assert issubclass(RetryableError, TransactionError)
    assert SchemaError.__bases__ == (QueryExecutionError,)
    assert issubclass(SchemaError, SQLModelCRUDError)
    assert ConcurrencyError.__bases__ == (SQLModelCRUDError,)
    assert issubclass(InvalidOperationError, NotImplementedError)
    assert issubclass(DatabaseConnectionError, builtins.ConnectionError)


# ---------------------------------------------------------------------------- RecordNotFoundError


def test_record_not_found_message_and_attributes() -> None:
    error = RecordNotFoundError(Hero, 5)
    assert str(error) == "Hero with id=5 not found"
    assert (error.model, error.id_value, error.pk_field) == (Hero, 5, "id")


def test_record_not_found_uses_repr_and_pk_field() -> None:
    error = RecordNotFoundError(Hero, "abc", pk_field="slug")
    assert str(error) == "Hero with slug='abc' not found"
    assert error.pk_field == "slug"


def test_record_not_found_without_name_uses_str() -> None:
    assert str(RecordNotFoundError(Named(), 1)) == "heroes with id=1 not found"


def test_not_found_factory() -> None:
    error = not_found(Hero, 7, "code")
    assert type(error) is RecordNotFoundError
    assert str(error) == "Hero with code=7 not found"
    assert str(not_found(Hero, None)) == "Hero with id=None not found"


# --------------------------------------------------------------------------- MultipleRecordsError


def test_multiple_records_messages() -> None:
    error = MultipleRecordsError(Hero, 3)
    assert str(error) == "Expected 1 Hero, found 3"
    assert (error.model, error.count, error.filters) == (Hero, 3, None)
    filtered = MultipleRecordsError(Hero, 2, {"name": "x"})
    assert str(filtered) == "Expected 1 Hero, found 2 (filters: {'name': 'x'})"
    assert filtered.filters == {"name": "x"}
    assert str(MultipleRecordsError(Hero, 2, {})) == "Expected 1 Hero, found 2"


def test_multiple_records_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Expected 1 Hero"):
        raise MultipleRecordsError(Hero, 2)


def test_multiple_found_factory() -> None:
    error = multiple_found(Hero, 4, {"a": 1})
    assert type(error) is MultipleRecordsError
    assert str(error) == "Expected 1 Hero, found 4 (filters: {'a': 1})"


# -------------------------------------------------------------------------------- ValidationError


def test_validation_with_field_and_value() -> None:
    error = ValidationError("must be positive", field="age", value=-1)
    assert str(error) == "Validation failed for field 'age': must be positive (value: -1)"
    assert (error.message, error.field, error.value) == ("must be positive", "age", -1)
    assert error.errors == []


def test_validation_value_uses_repr() -> None:
    error = ValidationError("bad", field="name", value="x")
    assert str(error) == "Validation failed for field 'name': bad (value: 'x')"


def test_validation_with_field_without_value() -> None:
    assert str(ValidationError("bad", field="age")) == "Validation failed for field 'age': bad"


def test_validation_without_field() -> None:
    error = ValidationError("bad input", value=3)
    assert str(error) == "Validation failed: bad input"
    assert error.value == 3


def test_validation_dict_errors() -> None:
    errors = {"name": "required", "age": "too low"}
    error = ValidationError("2 errors", errors=errors)
    assert str(error) == "Validation failed: 2 errors\n  - name: required\n  - age: too low"
    assert error.errors is errors


def test_validation_list_errors() -> None:
    errors = [{"field": "name", "message": "required"}, {"field": "age", "message": "too low"}]
    error = ValidationError("bad", field="row", value=1, errors=errors)
    assert str(error) == (
        "Validation failed for field 'row': bad (value: 1)\n  - name: required\n  - age: too low"
    )
    assert error.errors is errors


def test_validation_to_dict_normalises_errors() -> None:
    from_dict = ValidationError("bad", "f", 1, {"a": "x"}).to_dict()
    assert from_dict == {
        "type": "validation_error",
        "message": "bad",
        "field": "f",
        "value": 1,
        "errors": [{"field": "a", "message": "x"}],
    }
    from_list = ValidationError("bad", errors=[{"field": "a", "message": "x"}]).to_dict()
    assert from_list["errors"] == [{"field": "a", "message": "x"}]
    assert ValidationError("bad").to_dict()["errors"] == []


def test_validation_error_factory() -> None:
    error = validation_error("bad", "f", 2, {"k": "v"})
    assert type(error) is ValidationError
    assert str(error) == "Validation failed for field 'f': bad (value: 2)\n  - k: v"


# ----------------------------------------------------------------------------- BulkOperationError


def test_bulk_message_and_attributes() -> None:
    errors: list[str | Exception] = [ValueError("bad row"), "second failed"]
    error = BulkOperationError(3, 2, errors, successful=["a"], failed_records=["b", "c"])
    assert str(error) == "Bulk operation failed: 2/3 records failed (33.3% success rate)"
    assert (error.total, error.failed, error.errors) == (3, 2, errors)
    assert (error.successful, error.failed_records) == (["a"], ["b", "c"])


def test_bulk_defaults_and_zero_total() -> None:
    error = BulkOperationError(0, 0, [])
    assert str(error) == "Bulk operation failed: 0/0 records failed (0.0% success rate)"
    assert (error.successful, error.failed_records) == ([], [])
    assert str(BulkOperationError(4, 4, [])) == (
        "Bulk operation failed: 4/4 records failed (0.0% success rate)"
    )
    assert str(BulkOperationError(8, 1, [])) == (
        "Bulk operation failed: 1/8 records failed (87.5% success rate)"
    )


def test_bulk_error_summary() -> None:
    error = BulkOperationError(3, 2, [KeyError("id"), "row 3 rejected"])
    assert error.get_error_summary() == (
        "Bulk operation failed: 2/3 records failed (33.3% success rate)\n"
        "\n"
        "Error details:\n"
        "  1. KeyError: 'id'\n"
        "  2. row 3 rejected"
    )


# ------------------------------------------------------------------------------- TransactionError


def test_transaction_message_forms() -> None:
    cause = RuntimeError("disk full")
    assert str(TransactionError("explicit", "commit", cause)) == "explicit"
    assert str(TransactionError(operation="commit", original_error=cause)) == (
        "Transaction operation 'commit' failed: RuntimeError(disk full)"
    )
    assert str(TransactionError(operation="commit")) == "Transaction operation 'commit' failed"
    assert str(TransactionError(original_error=cause)) == "Transaction failed: disk full"
    assert str(TransactionError()) == "Transaction operation failed"


def test_transaction_attributes() -> None:
    cause = RuntimeError("x")
    error = TransactionError("m", operation="rollback", original_error=cause)
    assert (error.operation, error.original_error) == ("rollback", cause)
    assert (TransactionError().operation, TransactionError().original_error) == (None, None)


def test_retryable_error_uses_transaction_forms() -> None:
    cause = RuntimeError("database is locked")
    assert str(RetryableError(original_error=cause)) == "Transaction failed: database is locked"
    assert RetryableError("again").original_error is None


# ------------------------------------------------------------------------ DatabaseConnectionError


def test_connection_message_forms() -> None:
    cause = OSError("refused")
    url = "sqlite:///app.db"
    assert str(DatabaseConnectionError("explicit", url, cause)) == "explicit"
    assert str(DatabaseConnectionError(database_url=url, original_error=cause)) == (
        "Failed to connect to database at sqlite:///app.db: OSError(refused)"
    )
    assert str(DatabaseConnectionError(database_url=url)) == (
        "Failed to connect to database at sqlite:///app.db"
    )
    assert str(DatabaseConnectionError(original_error=cause)) == (
        "Database connection failed: refused"
    )
    assert str(DatabaseConnectionError()) == "Database connection failed"


def test_connection_attributes() -> None:
    cause = OSError("refused")
    error = DatabaseConnectionError(database_url="sqlite:///a.db", original_error=cause)
    assert error.database_url == "sqlite:///a.db"
    assert error.original_error is cause
    assert DatabaseConnectionError().database_url is None


def test_connection_masks_password() -> None:
    url = "postgresql+psycopg://app:s3cret@db.example:5432/prod"
    error = DatabaseConnectionError(database_url=url, original_error=OSError("refused"))
    for text in (str(error), repr(error), error.database_url or "", str(error.args)):
        assert "s3cret" not in text
    assert error.database_url == "postgresql+psycopg://app:***@db.example:5432/prod"
    assert str(error) == (
        "Failed to connect to database at postgresql+psycopg://app:***@db.example:5432/prod: "
        "OSError(refused)"
    )


def test_connection_masks_url_objects_and_dsn_strings() -> None:
    url = make_url("postgresql://app:s3cret@localhost/db")
    assert DatabaseConnectionError(database_url=url).database_url == (
        "postgresql://app:***@localhost/db"
    )
    dsn = DatabaseConnectionError(database_url="host=db user=app password=s3cret dbname=x")
    assert "s3cret" not in str(dsn)
    assert dsn.database_url == "host=db user=app password=*** dbname=x"


def test_mask_database_url() -> None:
    assert mask_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert mask_database_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert mask_database_url("postgresql://u:p@h/db") == "postgresql://u:***@h/db"
    assert mask_database_url("host=h password='a b' user=u") == "host=h password=*** user=u"


def test_connection_error_is_builtin_connection_error() -> None:
    error = DatabaseConnectionError(database_url="sqlite:///a.db")
    with pytest.raises(builtins.ConnectionError):
        raise error
    assert str(error) == "Failed to connect to database at sqlite:///a.db"
    assert error.args == ("Failed to connect to database at sqlite:///a.db",)


# ---------------------------------------------------------------------------- QueryExecutionError


def test_query_message_forms() -> None:
    cause = ValueError("boom")
    assert str(QueryExecutionError("explicit", "SELECT 1", cause)) == "explicit"
    assert str(QueryExecutionError(query="SELECT 1", original_error=cause)) == (
        "Query execution failed: ValueError(boom)\nQuery: SELECT 1"
    )
    assert str(QueryExecutionError(query="SELECT 1")) == "Query execution failed: SELECT 1"
    assert str(QueryExecutionError(original_error=cause)) == "Query execution failed: boom"
    assert str(QueryExecutionError()) == "Query execution failed"


def test_query_is_cut_at_200_characters() -> None:
    exact = "x" * 200
    long = "y" * 201
    assert str(QueryExecutionError(query=exact)) == f"Query execution failed: {exact}"
    assert str(QueryExecutionError(query=long)) == f"Query execution failed: {'y' * 200}..."
    cause = ValueError("boom")
    assert str(QueryExecutionError(query=long, original_error=cause)) == (
        f"Query execution failed: ValueError(boom)\nQuery: {'y' * 200}..."
    )


def test_query_attributes() -> None:
    cause = ValueError("boom")
    error = QueryExecutionError(query="SELECT 1", original_error=cause)
    assert (error.query, error.original_error) == ("SELECT 1", cause)


# --------------------------------------------------------------------------- added classes


def test_integrity_error_attributes() -> None:
    cause = ValueError("dup")
    error = IntegrityError(
        "duplicate",
        "unique",
        "users",
        column_name="email",
        constraint_name="users_email_key",
        query="INSERT ...",
        original_error=cause,
    )
    assert str(error) == "duplicate"
    assert (error.constraint, error.table_name, error.column_name) == ("unique", "users", "email")
    assert error.constraint_name == "users_email_key"
    assert (error.query, error.original_error) == ("INSERT ...", cause)


def test_integrity_error_falls_back_to_query_forms() -> None:
    cause = ValueError("dup")
    assert str(IntegrityError(original_error=cause)) == "Query execution failed: dup"
    assert IntegrityError().constraint is None


@pytest.mark.parametrize(
    ("cls", "kind"),
    [
        (DuplicateKeyError, "unique"),
        (ForeignKeyError, "foreign_key"),
        (NotNullError, "not_null"),
        (CheckConstraintError, "check"),
    ],
)
def test_integrity_subclasses_default_constraint(cls: type[IntegrityError], kind: str) -> None:
    error = cls("violated", table_name="t")
    assert error.constraint == kind
    assert error.table_name == "t"
    assert str(error) == "violated"


def test_duplicate_key_keeps_given_kind() -> None:
    assert DuplicateKeyError("dup", "primary_key").constraint == "primary_key"


def test_schema_error() -> None:
    error = SchemaError("no such table: t", "t")
    assert str(error) == "no such table: t"
    assert (error.message, error.table_name, error.column_name) == ("no such table: t", "t", None)
    assert SchemaError("x", column_name="c").column_name == "c"


def test_concurrency_error_messages() -> None:
    assert str(ConcurrencyError()) == "Concurrent modification detected"
    error = ConcurrencyError(table_name="hero", id_value=3)
    assert str(error) == "Concurrent modification detected in table 'hero' (id=3)"
    assert (error.table_name, error.id_value) == ("hero", 3)
    assert str(ConcurrencyError("stale row")) == "stale row"


def test_invalid_operation_error() -> None:
    error = InvalidOperationError("Cannot insert into a view", operation="insert", target="v")
    assert str(error) == "Cannot insert into a view"
    assert (error.message, error.operation, error.target) == (
        "Cannot insert into a view",
        "insert",
        "v",
    )
    with pytest.raises(NotImplementedError):
        raise error


def test_code_attributes_default_to_none() -> None:
    for error in (QueryExecutionError(), RetryableError(), SchemaError("x"), ValidationError("x")):
        assert error.code is None
        assert error.sqlstate is None
        assert error.sqlite_errorcode is None
        assert error.sqlite_errorname is None


# ---------------------------------------------------------------------------------------- copying


@pytest.mark.parametrize(
    "error",
    [
        RecordNotFoundError(Hero, 1, "id"),
        MultipleRecordsError(Hero, 2, {"a": 1}),
        ValidationError("bad", "f", 1, {"a": "b"}),
        BulkOperationError(2, 1, ["x"], [1], [2]),
        TransactionError(operation="commit", original_error=ValueError("x")),
        DatabaseConnectionError(database_url="postgresql://u:p@h/db"),
        QueryExecutionError(query="SELECT 1"),
        DuplicateKeyError("dup", "unique", "t", constraint_name="t_key"),
        RetryableError("busy"),
        SchemaError("missing", "t"),
        ConcurrencyError(table_name="t"),
        InvalidOperationError("no", "update", "v"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_pickle_and_copy_round_trip(error: SQLModelCRUDError) -> None:
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert clone.args == error.args
        assert vars(clone).keys() == vars(error).keys()
