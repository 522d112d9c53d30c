"""The public surface: twin parity, root exports, import rules, generated code."""

import inspect
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sqlmodel_crud_utils as root
from sqlmodel_crud_utils import a_sync, sync, utils

ROOT = Path(__file__).resolve().parent.parent

#: Upstream 0.4.0 root names that this package provides.
UPSTREAM_ROOT_NAMES = [
    "__version__",
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
    "SQLModelCRUDError",
    "RecordNotFoundError",
    "MultipleRecordsError",
    "ValidationError",
    "BulkOperationError",
    "TransactionError",
    "transaction",
    "a_transaction",
    "HISTORY_METADATA",
    "TrackChangesMixin",
    "register_change_tracking",
    "AuditMixin",
    "SoftDeleteMixin",
    "TimestampMixin",
    "QueryBuilder",
    "AsyncQueryBuilder",
    "CacheBackend",
    "InMemoryCache",
    "RedisCache",
    "configure_cache",
    "invalidate_cache",
]


def public_functions(module: object) -> dict[str, object]:
    """Functions defined in the module plus the twin helpers it exports in ``__all__``."""
    exported = set(getattr(module, "__all__", ()))
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and (value.__module__ == module.__name__ or (name in exported and name != "upsert"))  # type: ignore[attr-defined]
        and name not in ("soft_delete_timestamp",)
    }


def test_twins_define_the_same_functions_with_the_same_signatures() -> None:
    sync_functions = public_functions(sync)
    async_functions = public_functions(a_sync)
    assert set(sync_functions) == set(async_functions)
    assert len(sync_functions) >= 13
    for name, function in sync_functions.items():
        twin = async_functions[name]
        assert not inspect.iscoroutinefunction(function), name
        assert inspect.iscoroutinefunction(twin), name
        sync_params = [
            (p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()
        ]
        async_params = [
            (p.name, p.kind, p.default) for p in inspect.signature(twin).parameters.values()
        ]
        assert sync_params == async_params, name


def test_every_twin_is_exported_at_the_root() -> None:
    for name in public_functions(sync):
        assert getattr(root, name) is getattr(sync, name)
        assert getattr(root, f"a_{name}") is getattr(a_sync, name)
        assert name in root.__all__
        assert f"a_{name}" in root.__all__


def test_upstream_root_names_are_present() -> None:
    for name in UPSTREAM_ROOT_NAMES:
        assert name in root.__all__, name
        assert hasattr(root, name), name
    assert root.__version__ == "0.5.0"
    assert root.transaction is sys.modules["sqlmodel_crud_utils.transactions"].transaction
    assert root.QueryBuilder is sync.QueryBuilder
    assert root.AsyncQueryBuilder is a_sync.AsyncQueryBuilder
    async_helpers = [f"a_{name}" for name in UPSTREAM_ROOT_NAMES[1:14]]
    upstream_48 = set(UPSTREAM_ROOT_NAMES) | set(async_helpers)
    assert len(upstream_48) == 48
    assert upstream_48 <= set(root.__all__)


def test_upstream_signatures_are_kept() -> None:
    expected = {
        "get_row": [
            "id_str",
            "session_inst",
            "model",
            "selectin",
            "select_in_keys",
            "lazy",
            "lazy_load_keys",
            "pk_field",
            "use_cache",
            "cache_ttl",
            "raise_on_error",
        ],
        "get_one_or_create": [
            "session_inst",
            "model",
            "create_method_kwargs",
            "selectin",
            "select_in_key",
            "raise_on_error",
            "kwargs",
        ],
        "bulk_upsert_mappings": [
            "payload",
            "session_inst",
            "model",
            "pk_fields",
            "update_columns",
            "raise_on_error",
            "chunk_size",
            "on_conflict",
            "resurrect",
        ],
        "get_result_from_query": ["query", "session", "raise_on_error"],
        "delete_rows_within_id_list": [
            "id_str_list",
            "session_inst",
            "model",
            "pk_field",
            "chunk_size",
            "soft",
            "deleted_by",
            "raise_on_error",
        ],
    }
    for name, params in expected.items():
        signature = inspect.signature(getattr(sync, name))
        assert list(signature.parameters) == params, name
        assert signature.parameters["raise_on_error"].kind is inspect.Parameter.KEYWORD_ONLY


def test_module_attributes() -> None:
    assert sync.upsert is utils.default_upsert
    assert a_sync.upsert is utils.default_upsert
    assert sync.soft_delete_timestamp is utils.soft_delete_timestamp
    stdlib = logging.getLogger("sqlmodel_crud_utils")
    assert sync.logger is stdlib
    assert a_sync.logger is stdlib
    assert utils.logger is stdlib
    assert [type(h) for h in stdlib.handlers] == [logging.NullHandler]


def test_default_upsert_called_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.models import Item

    monkeypatch.delenv("SQL_DIALECT", raising=False)
    with pytest.raises(ValueError, match="SQL_DIALECT"):
        utils.default_upsert(Item)
    monkeypatch.setenv("SQL_DIALECT", "postgres")
    statement = utils.default_upsert(Item)
    assert hasattr(statement, "on_conflict_do_update")
    with pytest.raises(ValueError, match="oracle"):
        utils.get_sql_dialect_import("oracle")


def test_use_loguru_rebinds_and_restores() -> None:
    loguru = pytest.importorskip("loguru")
    root.use_loguru()
    try:
        assert sync.logger is loguru.logger
        assert a_sync.logger is loguru.logger
        assert utils.logger is loguru.logger
    finally:
        root.use_loguru(False)
    assert sync.logger is logging.getLogger("sqlmodel_crud_utils")


IMPORT_PROBE = textwrap.dedent(
    """
    import importlib.abc, os, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            blocked = ("greenlet", "sqlalchemy.ext.asyncio", "sqlmodel.ext.asyncio")
            if name.startswith(blocked):
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Block())
    before = dict(os.environ)
    import sqlmodel_crud_utils
    import sqlmodel_crud_utils.sync
    from sqlmodel_crud_utils import *  # noqa: F403
    assert callable(a_get_row) and callable(get_row)
    assert dict(os.environ) == before
    assert "sqlalchemy.ext.asyncio" not in sys.modules
    print("ok")
    """
)


def test_import_needs_no_greenlet_and_reads_no_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SQL_DIALECT=postgresql\nDATABASE_URL=sqlite://\n")
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_generated_sync_code_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "unasync.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
