# This file is generated from tests/_async/test_history.py by scripts/unasync.py. Do not edit it by hand.
"""get_change_history reads the change_history table."""

import datetime as dt

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.exceptions import QueryExecutionError
from sqlmodel_crud_utils.tracking import HISTORY_METADATA, change_history_table, format_row_pk
from tests import support
from tests.models import Hero, Team

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)


def test_get_change_history(session: Session, engine: Engine) -> None:
    support.create_tables(engine, HISTORY_METADATA)
    rows = [
        {
            "table_name": "heroes",
            "row_pk": "7",
            "operation": "insert",
            "changes": {"name": [None, "A"]},
        },
        {
            "table_name": "heroes",
            "row_pk": "7",
            "operation": "update",
            "changes": {"name": ["A", "B"]},
        },
        {"table_name": "heroes", "row_pk": "8", "operation": "insert", "changes": {}},
        {"table_name": "teams", "row_pk": "7", "operation": "insert", "changes": {}},
    ]
    with engine.begin() as conn:
        conn.execute(
            change_history_table.insert(),
            [{**row, "changed_at": WHEN, "changed_by": "alice"} for row in rows],
        )
    ok, history = crud.get_change_history(session, Hero, "7")
    assert ok is True
    assert [entry["operation"] for entry in history] == ["insert", "update"]
    assert history[1]["changes"] == {"name": ["A", "B"]}
    assert history[0]["changed_by"] == "alice"
    assert set(history[0]) == {
        "id",
        "table_name",
        "table_schema",
        "row_pk",
        "operation",
        "changes",
        "changed_at",
        "changed_by",
    }
    assert crud.get_change_history(session, Team, 99) == (True, [])
    assert format_row_pk((1, "a")) == "1,a"


def test_get_change_history_without_table(session: Session) -> None:
    assert crud.get_change_history(session, Hero, 1) == (False, [])
    # The session is usable afterwards (PostgreSQL would otherwise be aborted).
    assert crud.get_rows(session, Hero) == (False, [])
    with pytest.raises(QueryExecutionError):
        crud.get_change_history(session, Hero, 1, raise_on_error=True)
