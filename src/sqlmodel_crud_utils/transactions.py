"""Transaction blocks: ``transaction`` (sync) and ``a_transaction`` (async)."""

from __future__ import annotations

from sqlmodel_crud_utils._async.transactions import a_transaction
from sqlmodel_crud_utils._sync.transactions import transaction

__all__ = ["a_transaction", "transaction"]
