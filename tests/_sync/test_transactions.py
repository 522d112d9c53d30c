# This file is generated from tests/_async/test_transactions.py by scripts/unasync.py. Do not edit it by hand.
"""transaction() blocks: helpers join them, nested blocks are SAVEPOINTs."""

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils._core.state import DEPTH_KEY
from sqlmodel_crud_utils.exceptions import TransactionError
from sqlmodel_crud_utils.transactions import transaction
from tests.models import Hero, Item, Note, Team


class Boom(Exception):
    pass


def committed(session: Session, model: type) -> int:
    session.rollback()
    return (session.exec(select(func.count()).select_from(model))).one()


def test_block_commits_all_helper_writes(session: Session) -> None:
    with transaction(session) as tx:
        assert tx is session
        assert session.info[DEPTH_KEY] == 1
        ok, team = crud.write_row(Team(name="T"), session)
        assert ok is True
        assert team is not None
        crud.insert_data_rows([Hero(name="A", secret_name="a", team_id=team.id)], session)
        crud.bulk_upsert_mappings([{"id": 1, "code": "c"}], session, Item)
        crud.update_row(team.id, {"headquarters": "HQ"}, session, Team)
    assert DEPTH_KEY not in session.info
    assert committed(session, Team) == 1
    assert committed(session, Hero) == 1
    assert committed(session, Item) == 1
    _, stored = crud.get_rows(session, Team)
    assert stored[0].headquarters == "HQ"


def test_block_that_raises_keeps_nothing(session: Session) -> None:
    with pytest.raises(TransactionError) as info:
        with transaction(session):
            crud.write_row(Team(name="T"), session)
            crud.bulk_upsert_mappings([{"id": 1, "code": "c"}], session, Item)
            crud.bulk_update_rows([1], {"label": "x"}, session, Item)
            crud.insert_data_rows([Note(body="n")], session)
            raise Boom("stop")
    assert str(info.value) == "Transaction failed: stop"
    assert isinstance(info.value.original_error, Boom)
    assert isinstance(info.value.__cause__, Boom)
    assert committed(session, Team) == 0
    assert committed(session, Item) == 0
    assert committed(session, Note) == 0


def test_failing_helper_in_block_rolls_back_only_its_savepoint(
    session: Session,
) -> None:
    with transaction(session):
        assert (crud.write_row(Team(name="A"), session))[0] is True
        # The duplicate fails under its own SAVEPOINT; the block stays usable.
        assert crud.write_row(Team(name="A"), session) == (False, None)
        assert (crud.write_row(Team(name="B"), session))[0] is True
        flag, outcome = crud.insert_data_rows([Team(name="C"), Team(name="A")], session)
        assert flag is True
        assert [team.name for team in outcome["success"]] == ["C"]
    _, teams = crud.get_rows(session, Team, sort_field="name")
    assert [team.name for team in teams] == ["A", "B", "C"]


def test_nested_blocks_are_savepoints(session: Session) -> None:
    with transaction(session):
        crud.write_row(Team(name="outer"), session)
        with pytest.raises(TransactionError):
            with transaction(session):
                assert session.info[DEPTH_KEY] == 2
                crud.write_row(Team(name="inner-lost"), session)
                raise Boom("inner")
        assert session.info[DEPTH_KEY] == 1
        with transaction(session):
            crud.write_row(Team(name="inner-kept"), session)
    _, teams = crud.get_rows(session, Team, sort_field="name")
    assert [team.name for team in teams] == ["inner-kept", "outer"]


def test_outer_failure_discards_released_savepoints(session: Session) -> None:
    with pytest.raises(TransactionError):
        with transaction(session):
            with transaction(session):
                crud.write_row(Team(name="inner"), session)
            raise Boom("outer")
    assert committed(session, Team) == 0


def test_reads_in_block_do_not_roll_back(session: Session) -> None:
    with pytest.raises(TransactionError):
        with transaction(session):
            crud.write_row(Team(name="kept-until-error"), session)
            assert (crud.get_rows(session, Team))[0] is True
            assert crud.get_row(12345, session, Team) == (False, None)
            raise Boom("x")
    assert committed(session, Team) == 0


def test_commit_failure_is_a_transaction_error(session: Session, engine: Engine) -> None:
    with Session(engine) as writer:
        crud.write_row(Team(name="dup"), writer)
    with pytest.raises(TransactionError):
        with transaction(session):
            session.add(Team(name="dup"))
    assert committed(session, Team) == 1


def test_cancellation_style_errors_propagate_unwrapped(session: Session) -> None:
    with pytest.raises(KeyboardInterrupt):
        with transaction(session):
            crud.write_row(Team(name="T"), session)
            raise KeyboardInterrupt
    assert DEPTH_KEY not in session.info
    assert committed(session, Team) == 0
