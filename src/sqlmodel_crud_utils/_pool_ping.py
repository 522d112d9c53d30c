"""Test pooled server connections before use, but only those that sat idle.

SQLAlchemy's ``pool_pre_ping`` costs one round trip on every checkout.  A
connection that went back to the pool a moment ago is almost certainly alive,
so the engines this package builds test a connection only when it has been
idle in the pool for at least ``DBConfig.pool_pre_ping_idle`` seconds (the
same idea as HikariCP's alive-bypass window).  A dead connection is replaced
transparently: the checkout listener raises ``DisconnectionError`` and the
pool retries with a new connection, as SQLAlchemy documents for pessimistic
disconnect handling.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

#: ``record.info`` key holding when the connection last went back to the pool.
RETURNED_AT = "sqlmodel_crud_utils.returned_at"

#: Engine attribute naming the idle threshold its listeners apply.
_MARK = "_scu_pre_ping_idle"


def install_idle_ping(engine: Engine, idle: float) -> None:
    """Ping a connection at checkout when it was idle for ``idle`` seconds or more.

    Installing twice only updates the threshold.

    Args:
        engine: The sync engine that owns the pool (``AsyncEngine.sync_engine``).
        idle: Seconds a connection may sit in the pool and still be handed out
            untested.
    """
    if getattr(engine, _MARK, None) is not None:
        setattr(engine, _MARK, idle)
        return
    setattr(engine, _MARK, idle)
    dialect = engine.dialect

    def on_checkin(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            record.info[RETURNED_AT] = time.monotonic()

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.pop(RETURNED_AT, None)
        if returned is None or time.monotonic() - returned < getattr(engine, _MARK):
            return  # new, or back in the pool only a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if not dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise DisconnectionError("a pooled connection was closed; reconnecting")

    event.listen(engine, "checkin", on_checkin)
    event.listen(engine, "checkout", on_checkout)


def idle_ping_threshold(engine: Any) -> float | None:
    """The idle threshold of an engine's checkout ping (``None``: none installed)."""
    target = getattr(engine, "sync_engine", engine)
    value = getattr(target, _MARK, None)
    return float(value) if value is not None else None
