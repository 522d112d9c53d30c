"""sqlmodel-crud-utilities: sync and async CRUD helpers for SQLModel.

The sync helpers are importable from the package root (``get_row``, ...); their
async twins carry an ``a_`` prefix (``a_get_row``, ...) and are loaded on first
use, so importing the package needs neither greenlet nor an event loop.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sqlmodel_crud_utils._core.errors import is_retryable, translate_error
from sqlmodel_crud_utils.audit import acting_as, current_user, reset_current_user, set_current_user
from sqlmodel_crud_utils.cache import (
    CacheBackend,
    InMemoryCache,
    RedisCache,
    a_invalidate_cache,
    configure_cache,
    get_cache,
    invalidate_cache,
)
from sqlmodel_crud_utils.config import DBConfig
from sqlmodel_crud_utils.engine import (
    create_async_engine_from_config,
    create_async_pooled_engine,
    create_engine_from_config,
    create_pooled_engine,
)
from sqlmodel_crud_utils.exceptions import (
    BulkOperationError,
    CheckConstraintError,
    ConcurrencyError,
    DatabaseConnectionError,
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    InvalidArgumentError,
    MultipleRecordsError,
    NotNullError,
    QueryExecutionError,
    RecordNotFoundError,
    RetryableError,
    SchemaError,
    SQLModelCRUDError,
    TransactionError,
    UnknownColumnError,
    UnknownFilterError,
    ValidationError,
)
from sqlmodel_crud_utils.hooks import (
    EVENTS,
    HookContext,
    clear_hooks,
    hook,
    register_hook,
    unregister_hook,
)
from sqlmodel_crud_utils.log import use_loguru
from sqlmodel_crud_utils.mixins import (
    AuditMixin,
    AwareAuditMixin,
    AwareSoftDeleteMixin,
    AwareUTCDateTime,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    VersionMixin,
    raise_on_conflict,
    uuid7,
)
from sqlmodel_crud_utils.pagination import (
    CursorPage,
    InvalidCursorError,
    Page,
    configure_cursor_secret,
)
from sqlmodel_crud_utils.results import AllRowsFailed, ResultList
from sqlmodel_crud_utils.session import get_session, session_dependency, session_scope
from sqlmodel_crud_utils.softdelete import (
    exclude_deleted_in,
    exclude_deleted_rows,
    soft_delete_unique_index,
)
from sqlmodel_crud_utils.sync import (
    QueryBuilder,
    bulk_insert_mappings,
    bulk_update_rows,
    bulk_upsert_mappings,
    delete_row,
    delete_rows_within_id_list,
    get_change_history,
    get_one_or_create,
    get_or_create,
    get_result_from_query,
    get_row,
    get_rows,
    get_rows_within_id_list,
    insert_data_rows,
    restore_row,
    soft_delete_row,
    update_row,
    write_row,
)
from sqlmodel_crud_utils.tracking import (
    HISTORY_METADATA,
    TrackChangesMixin,
    record_bulk_changes,
    register_change_tracking,
)
from sqlmodel_crud_utils.transactions import transaction

__version__ = "0.5.0"

#: The CRUD helpers that exist in both twins (``name`` sync, ``a_name`` async).
TWIN_HELPERS: tuple[str, ...] = (
    "bulk_update_rows",
    "bulk_upsert_mappings",
    "delete_row",
    "delete_rows_within_id_list",
    "get_change_history",
    "get_one_or_create",
    "get_result_from_query",
    "get_row",
    "get_rows",
    "get_rows_within_id_list",
    "insert_data_rows",
    "update_row",
    "write_row",
)

#: Helpers added by this package, also in both twins.
NEW_TWIN_HELPERS: tuple[str, ...] = (
    "bulk_insert_mappings",
    "get_or_create",
    "restore_row",
    "soft_delete_row",
)

#: Async names resolved on first access: name -> (module, attribute).  The async
#: session helpers need SQLAlchemy's asyncio extension (and greenlet), so they are
#: importable by name but kept out of ``__all__``: a star import stays greenlet-free.
_LAZY: dict[str, tuple[str, str]] = {
    **{
        f"a_{name}": ("sqlmodel_crud_utils.a_sync", name)
        for name in TWIN_HELPERS + NEW_TWIN_HELPERS
    },
    "a_transaction": ("sqlmodel_crud_utils.transactions", "a_transaction"),
    "AsyncQueryBuilder": ("sqlmodel_crud_utils.a_sync", "AsyncQueryBuilder"),
    # the table facade: sync twin, async twin, markers and facade-only errors
    **{
        name: ("sqlmodel_crud_utils.facade.sync", name)
        for name in ("Database", "Table", "View", "ValidatedTable")
    },
    **{
        name: ("sqlmodel_crud_utils.facade.aio", name)
        for name in ("AsyncDatabase", "AsyncTable", "AsyncView", "AsyncValidatedTable")
    },
    **{
        name: ("sqlmodel_crud_utils.facade", name)
        for name in (
            "NOT_GIVEN",
            "ForeignKey",
            "ForeignKeyRef",
            "FTSIndex",
            "Text",
            "NotFoundError",
            "ForeignKeyValidationError",
            "DeeBaseError",
        )
    },
    "async_session_scope": ("sqlmodel_crud_utils.session", "async_session_scope"),
    "async_session_dependency": ("sqlmodel_crud_utils.session", "async_session_dependency"),
    "get_async_session": ("sqlmodel_crud_utils.session", "get_async_session"),
}


if TYPE_CHECKING:  # the lazily loaded names, typed for type checkers
    from sqlmodel_crud_utils.a_sync import AsyncQueryBuilder as AsyncQueryBuilder
    from sqlmodel_crud_utils.a_sync import bulk_insert_mappings as a_bulk_insert_mappings
    from sqlmodel_crud_utils.a_sync import bulk_update_rows as a_bulk_update_rows
    from sqlmodel_crud_utils.a_sync import bulk_upsert_mappings as a_bulk_upsert_mappings
    from sqlmodel_crud_utils.a_sync import delete_row as a_delete_row
    from sqlmodel_crud_utils.a_sync import (
        delete_rows_within_id_list as a_delete_rows_within_id_list,
    )
    from sqlmodel_crud_utils.a_sync import get_change_history as a_get_change_history
    from sqlmodel_crud_utils.a_sync import get_one_or_create as a_get_one_or_create
    from sqlmodel_crud_utils.a_sync import get_or_create as a_get_or_create
    from sqlmodel_crud_utils.a_sync import get_result_from_query as a_get_result_from_query
    from sqlmodel_crud_utils.a_sync import get_row as a_get_row
    from sqlmodel_crud_utils.a_sync import get_rows as a_get_rows
    from sqlmodel_crud_utils.a_sync import get_rows_within_id_list as a_get_rows_within_id_list
    from sqlmodel_crud_utils.a_sync import insert_data_rows as a_insert_data_rows
    from sqlmodel_crud_utils.a_sync import restore_row as a_restore_row
    from sqlmodel_crud_utils.a_sync import soft_delete_row as a_soft_delete_row
    from sqlmodel_crud_utils.a_sync import update_row as a_update_row
    from sqlmodel_crud_utils.a_sync import write_row as a_write_row
    from sqlmodel_crud_utils.facade import NOT_GIVEN as NOT_GIVEN
    from sqlmodel_crud_utils.facade import DeeBaseError as DeeBaseError
    from sqlmodel_crud_utils.facade import ForeignKey as ForeignKey
    from sqlmodel_crud_utils.facade import ForeignKeyRef as ForeignKeyRef
    from sqlmodel_crud_utils.facade import ForeignKeyValidationError as ForeignKeyValidationError
    from sqlmodel_crud_utils.facade import FTSIndex as FTSIndex
    from sqlmodel_crud_utils.facade import NotFoundError as NotFoundError
    from sqlmodel_crud_utils.facade import Text as Text
    from sqlmodel_crud_utils.facade.aio import AsyncDatabase as AsyncDatabase
    from sqlmodel_crud_utils.facade.aio import AsyncTable as AsyncTable
    from sqlmodel_crud_utils.facade.aio import AsyncValidatedTable as AsyncValidatedTable
    from sqlmodel_crud_utils.facade.aio import AsyncView as AsyncView
    from sqlmodel_crud_utils.facade.sync import Database as Database
    from sqlmodel_crud_utils.facade.sync import Table as Table
    from sqlmodel_crud_utils.facade.sync import ValidatedTable as ValidatedTable
    from sqlmodel_crud_utils.facade.sync import View as View
    from sqlmodel_crud_utils.session import async_session_dependency as async_session_dependency
    from sqlmodel_crud_utils.session import async_session_scope as async_session_scope
    from sqlmodel_crud_utils.session import get_async_session as get_async_session
    from sqlmodel_crud_utils.transactions import a_transaction as a_transaction


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'sqlmodel_crud_utils' has no attribute {name!r}")
    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    # sync helpers
    "bulk_update_rows",
    "bulk_upsert_mappings",
    "delete_row",
    "delete_rows_within_id_list",
    "get_change_history",
    "get_one_or_create",
    "get_result_from_query",
    "get_row",
    "get_rows",
    "get_rows_within_id_list",
    "insert_data_rows",
    "update_row",
    "write_row",
    # async helpers
    "a_bulk_update_rows",
    "a_bulk_upsert_mappings",
    "a_delete_row",
    "a_delete_rows_within_id_list",
    "a_get_change_history",
    "a_get_one_or_create",
    "a_get_result_from_query",
    "a_get_row",
    "a_get_rows",
    "a_get_rows_within_id_list",
    "a_insert_data_rows",
    "a_update_row",
    "a_write_row",
    # helpers added by this package
    "bulk_insert_mappings",
    "a_bulk_insert_mappings",
    "get_or_create",
    "a_get_or_create",
    "soft_delete_row",
    "a_soft_delete_row",
    "restore_row",
    "a_restore_row",
    # lifecycle hooks
    "EVENTS",
    "HookContext",
    "clear_hooks",
    "hook",
    "register_hook",
    "unregister_hook",
    # soft delete
    "exclude_deleted_in",
    "exclude_deleted_rows",
    "soft_delete_unique_index",
    # exceptions
    "SQLModelCRUDError",
    "RecordNotFoundError",
    "MultipleRecordsError",
    "ValidationError",
    "BulkOperationError",
    "TransactionError",
    "DatabaseConnectionError",
    "QueryExecutionError",
    "IntegrityError",
    "DuplicateKeyError",
    "ForeignKeyError",
    "NotNullError",
    "CheckConstraintError",
    "RetryableError",
    "SchemaError",
    "ConcurrencyError",
    "InvalidArgumentError",
    "UnknownColumnError",
    "UnknownFilterError",
    "translate_error",
    "is_retryable",
    # table facade (sync twin; the async twin loads by name)
    "Database",
    "Table",
    "View",
    "ValidatedTable",
    # query builder and pagination
    "QueryBuilder",
    "AsyncQueryBuilder",
    "Page",
    "CursorPage",
    "InvalidCursorError",
    "configure_cursor_secret",
    # read cache
    "CacheBackend",
    "InMemoryCache",
    "RedisCache",
    "configure_cache",
    "invalidate_cache",
    "a_invalidate_cache",
    "get_cache",
    # transactions
    "transaction",
    "a_transaction",
    # tracking
    "HISTORY_METADATA",
    "TrackChangesMixin",
    "register_change_tracking",
    "record_bulk_changes",
    # mixins
    "AuditMixin",
    "SoftDeleteMixin",
    "TimestampMixin",
    "UTCDateTime",
    "AwareAuditMixin",
    "AwareSoftDeleteMixin",
    "AwareUTCDateTime",
    "UUIDPrimaryKeyMixin",
    "VersionMixin",
    "raise_on_conflict",
    "uuid7",
    # current user for audit columns
    "acting_as",
    "current_user",
    "reset_current_user",
    "set_current_user",
    # results
    "AllRowsFailed",
    "ResultList",
    # foundation
    "DBConfig",
    "create_engine_from_config",
    "create_async_engine_from_config",
    "create_pooled_engine",
    "create_async_pooled_engine",
    "session_scope",
    "session_dependency",
    "get_session",
    # logging
    "use_loguru",
]
