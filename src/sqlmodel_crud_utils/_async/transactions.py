"""Transaction blocks that the CRUD helpers join.

The block marks its session so that write helpers flush under a SAVEPOINT of
their own instead of committing: everything in the block commits at its end
or rolls back together.  A block inside a block is a SAVEPOINT.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from sqlmodel_crud_utils._core.dialects import session_dialect_name
from sqlmodel_crud_utils._core.errors import is_retryable
from sqlmodel_crud_utils._core.state import block_depth, set_block_depth
from sqlmodel_crud_utils.cache import async_invalidate_written
from sqlmodel_crud_utils.exceptions import RetryableError, TransactionError

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession


def _wrap(exc: Exception, operation: str | None = None) -> TransactionError:
    """``TransactionError`` for a failed block; ``RetryableError`` when a retry may succeed."""
    cls = RetryableError if is_retryable(exc) else TransactionError
    return cls(message=f"Transaction failed: {exc}", operation=operation, original_error=exc)


async def _begin_outermost(session: AsyncSession) -> None:
    """Start the block's transaction; on SQLite as ``BEGIN IMMEDIATE`` (a writer)."""
    if session_dialect_name(session) != "sqlite" or session.in_transaction():
        return
    await session.connection(execution_options={"sqlite_begin": "immediate"})


@asynccontextmanager
async def a_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Run a block of work as one transaction on ``session``.

    The outermost block commits on normal exit; an exception rolls everything
    back and is raised as ``TransactionError`` (the original is chained and
    kept as ``original_error``).  A nested block is a SAVEPOINT: released on
    success, rolled back on error with ``TransactionError``.  CRUD helpers
    called inside a block join it instead of committing.  Cancellation and
    other ``BaseException``s roll back and propagate unchanged.

    Args:
        session: The session to run the block on; the block yields it back.

    Yields:
        The same session.

    Raises:
        TransactionError: the block or its commit failed.
    """
    depth = block_depth(session)
    if depth:
        nested = await session.begin_nested()
        set_block_depth(session, depth + 1)
        try:
            yield session
        except Exception as exc:
            await nested.rollback()
            raise _wrap(exc) from exc
        except BaseException:
            await nested.rollback()
            raise
        else:
            await nested.commit()
        finally:
            set_block_depth(session, depth)
        return

    set_block_depth(session, 1)
    try:
        try:
            await _begin_outermost(session)
            yield session
        except Exception as exc:
            await session.rollback()
            raise _wrap(exc) from exc
        except BaseException:
            await session.rollback()
            raise
        try:
            await session.commit()
        except Exception as exc:
            await session.rollback()
            raise _wrap(exc, "commit") from exc
        await async_invalidate_written(session)
    finally:
        set_block_depth(session, 0)
