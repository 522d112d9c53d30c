# This file is generated from tests/_async/test_concurrency.py by scripts/unasync.py. Do not edit it by hand.
"""Race-safe get-or-create: 20 concurrent callers for one key leave exactly one row."""

from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from sqlmodel_crud_utils import sync as crud
from tests import support
from tests.models import Team

CALLERS = 20


def team_count(engine: Engine) -> int:
    with Session(engine) as session:
        return (session.exec(select(func.count()).select_from(Team))).one()


@pytest.mark.parametrize("helper", ["get_or_create", "get_one_or_create"])
def test_concurrent_get_or_create_same_key(engine: Engine, helper: str) -> None:
    if support.is_memory(engine):
        pytest.skip("in-memory SQLite has one shared connection: no concurrent callers")

    def caller(index: int) -> tuple[Any, bool]:
        with Session(engine) as session:
            if helper == "get_or_create":
                row, created = crud.get_or_create(
                    session, Team, defaults={"headquarters": f"hq-{index}"}, name="Hot"
                )
                return row.id, created
            row, existed = crud.get_one_or_create(
                session, Team, create_method_kwargs={"headquarters": f"hq-{index}"}, name="Hot"
            )
            return row.id, not existed

    results = support.run_concurrently(caller, CALLERS)
    ids = {row_id for row_id, _ in results}
    assert len(ids) == 1
    assert sum(1 for _, created in results if created) == 1
    assert team_count(engine) == 1


def test_get_or_create_flags(session: Session) -> None:
    row, created = crud.get_or_create(session, Team, defaults={"headquarters": "x"}, name="A")
    assert created is True
    assert (row.name, row.headquarters) == ("A", "x")
    again, created = crud.get_or_create(session, Team, name="A")
    assert created is False
    assert again.id == row.id


def test_get_or_create_keeps_pending_work_of_the_caller(session: Session) -> None:
    session.add(Team(name="pending"))
    row, created = crud.get_or_create(session, Team, name="other")
    assert created is True
    _, teams = crud.get_rows(session, Team, sort_field="name")
    assert [team.name for team in teams] == ["other", "pending"]
    del row
