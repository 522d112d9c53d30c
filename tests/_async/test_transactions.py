"""transaction() blocks: helpers join them, nested blocks are SAVEPOINTs."""

import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync as crud
from sqlmodel_crud_utils._core.state import DEPTH_KEY
from sqlmodel_crud_utils.exceptions import TransactionError
from sqlmodel_crud_utils.transactions import a_transaction
from tests.models import Hero, Item, Note, Team


class Boom(Exception):
    pass


async def committed(session: AsyncSession, model: type) -> int:
    await session.rollback()
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_block_commits_all_helper_writes(session: AsyncSession) -> None:
    async with a_transaction(session) as tx:
        assert tx is session
        assert session.info[DEPTH_KEY] == 1
        ok, team = await crud.write_row(Team(name="T"), session)
        assert ok is True
        assert team is not None
        await crud.insert_data_rows([Hero(name="A", secret_name="a", team_id=team.id)], session)
        await crud.bulk_upsert_mappings([{"id": 1, "code": "c"}], session, Item)
        await crud.update_row(team.id, {"headquarters": "HQ"}, session, Team)
    assert DEPTH_KEY not in session.info
    assert await committed(session, Team) == 1
    assert await committed(session, Hero) == 1
    assert await committed(session, Item) == 1
    _, stored = await crud.get_rows(session, Team)
    assert stored[0].headquarters == "HQ"


async def test_block_that_raises_keeps_nothing(session: AsyncSession) -> None:
    with pytest.raises(TransactionError) as info:
        async with a_transaction(session):
            await crud.write_row(Team(name="T"), session)
            await crud.bulk_upsert_mappings([{"id": 1, "code": "c"}], session, Item)
            await crud.bulk_update_rows([1], {"label": "x"}, session, Item)
            await crud.insert_data_rows([Note(body="n")], session)
            raise Boom("stop")
    assert str(info.value) == "Transaction failed: stop"
    assert isinstance(info.value.original_error, Boom)
    assert isinstance(info.value.__cause__, Boom)
    assert await committed(session, Team) == 0
    assert await committed(session, Item) == 0
    assert await committed(session, Note) == 0


async def test_failing_helper_in_block_rolls_back_only_its_savepoint(
    session: AsyncSession,
) -> None:
    async with a_transaction(session):
        assert (await crud.write_row(Team(name="A"), session))[0] is True
        # The duplicate fails under its own SAVEPOINT; the block stays usable.
        assert await crud.write_row(Team(name="A"), session) == (False, None)
        assert (await crud.write_row(Team(name="B"), session))[0] is True
        flag, outcome = await crud.insert_data_rows([Team(name="C"), Team(name="A")], session)
        assert flag is True
        assert [team.name for team in outcome["success"]] == ["C"]
    _, teams = await crud.get_rows(session, Team, sort_field="name")
    assert [team.name for team in teams] == ["A", "B", "C"]


async def test_nested_blocks_are_savepoints(session: AsyncSession) -> None:
    async with a_transaction(session):
        await crud.write_row(Team(name="outer"), session)
        with pytest.raises(TransactionError):
            async with a_transaction(session):
                assert session.info[DEPTH_KEY] == 2
                await crud.write_row(Team(name="inner-lost"), session)
                raise Boom("inner")
        assert session.info[DEPTH_KEY] == 1
        async with a_transaction(session):
            await crud.write_row(Team(name="inner-kept"), session)
    _, teams = await crud.get_rows(session, Team, sort_field="name")
    assert [team.name for team in teams] == ["inner-kept", "outer"]


async def test_outer_failure_discards_released_savepoints(session: AsyncSession) -> None:
    with pytest.raises(TransactionError):
        async with a_transaction(session):
            async with a_transaction(session):
                await crud.write_row(Team(name="inner"), session)
            raise Boom("outer")
    assert await committed(session, Team) == 0


async def test_reads_in_block_do_not_roll_back(session: AsyncSession) -> None:
    with pytest.raises(TransactionError):
        async with a_transaction(session):
            await crud.write_row(Team(name="kept-until-error"), session)
            assert (await crud.get_rows(session, Team))[0] is True
            assert await crud.get_row(12345, session, Team) == (False, None)
            raise Boom("x")
    assert await committed(session, Team) == 0


async def test_commit_failure_is_a_transaction_error(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    async with AsyncSession(engine) as writer:
        await crud.write_row(Team(name="dup"), writer)
    with pytest.raises(TransactionError):
        async with a_transaction(session):
            session.add(Team(name="dup"))
    assert await committed(session, Team) == 1


async def test_cancellation_style_errors_propagate_unwrapped(session: AsyncSession) -> None:
    with pytest.raises(KeyboardInterrupt):
        async with a_transaction(session):
            await crud.write_row(Team(name="T"), session)
            raise KeyboardInterrupt
    assert DEPTH_KEY not in session.info
    assert await committed(session, Team) == 0
