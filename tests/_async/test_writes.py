"""Single-row writes: write_row, insert_data_rows, update_row, delete_row, get_one_or_create."""

import pytest
from sqlalchemy import event, func, insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import a_sync as crud
from sqlmodel_crud_utils.exceptions import (
    BulkOperationError,
    DuplicateKeyError,
    ForeignKeyError,
    QueryExecutionError,
    RecordNotFoundError,
)
from sqlmodel_crud_utils.results import AllRowsFailed
from tests.models import Hero, Item, Team


async def count_rows(session: AsyncSession, model: type) -> int:
    """Count committed rows: anything the session had pending is rolled back first."""
    await session.rollback()
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_write_row_returns_readable_object_after_close(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        ok, hero = await crud.write_row(Hero(name="Deadpond", secret_name="Dive"), session)
    assert ok is True
    assert hero is not None
    # Readable after commit and after the session closed, without any I/O.
    assert hero.id is not None
    assert hero.name == "Deadpond"
    assert hero.active is True
    async with AsyncSession(engine) as fresh:
        assert await count_rows(fresh, Hero) == 1


async def test_write_row_failure_keeps_session_usable(session: AsyncSession) -> None:
    assert (await crud.write_row(Team(name="A"), session))[0] is True
    assert await crud.write_row(Team(name="A"), session) == (False, None)
    ok, team = await crud.write_row(Team(name="B"), session)
    assert ok is True
    assert team is not None
    with pytest.raises(DuplicateKeyError) as info:
        await crud.write_row(Team(name="B"), session, raise_on_error=True)
    assert isinstance(info.value, QueryExecutionError)
    assert info.value.original_error is not None
    assert info.value.__cause__ is not None
    assert (await crud.get_rows(session, Team))[1][1].name == "B"


async def test_insert_data_rows_all_saved(session: AsyncSession, engine: AsyncEngine) -> None:
    rows = [Item(code=f"c{i}", price=i) for i in range(5)]
    ok, saved = await crud.insert_data_rows(rows, session)
    assert ok is True
    assert saved is rows
    assert [row.id for row in saved] == sorted(row.id for row in saved)
    assert all(row.id is not None for row in saved)
    assert await count_rows(session, Item) == 5


async def test_insert_data_rows_generator_with_failing_row(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    await crud.write_row(Item(code="taken"), session)
    source = (Item(code=code) for code in ["a", "taken", "b"])
    ok, outcome = await crud.insert_data_rows(source, session)
    assert ok is True
    assert [row.code for row in outcome["success"]] == ["a", "b"]
    assert [row.code for row in outcome["failed"]] == ["taken"]
    _, rows = await crud.get_rows(session, Item, sort_field="code")
    assert [row.code for row in rows] == ["a", "b", "taken"]
    assert await count_rows(session, Item) == 3


async def test_insert_data_rows_all_failed_flag_is_falsy(session: AsyncSession) -> None:
    await crud.write_row(Item(code="x"), session)
    flag, outcome = await crud.insert_data_rows([Item(code="x"), Item(code="x")], session)
    assert flag == (False,)
    assert isinstance(flag, AllRowsFailed)
    assert flag[0] is False
    assert not flag
    assert repr(flag) == "(False,)"
    assert outcome["success"] == []
    assert len(outcome["failed"]) == 2


async def test_insert_data_rows_raise_on_error(session: AsyncSession, engine: AsyncEngine) -> None:
    await crud.write_row(Item(code="x"), session)
    with pytest.raises(BulkOperationError) as info:
        await crud.insert_data_rows([Item(code="ok"), Item(code="x")], session, raise_on_error=True)
    assert info.value.total == 2
    assert info.value.failed == 1
    assert [row.code for row in info.value.successful] == ["ok"]
    assert await count_rows(session, Item) == 2


async def test_update_row(session: AsyncSession) -> None:
    _, hero = await crud.write_row(Hero(name="Old", secret_name="S", age=1), session)
    assert hero is not None
    ok, updated = await crud.update_row(str(hero.id), {"name": "New", "age": 2}, session, Hero)
    assert ok is True
    assert updated is not None
    assert (updated.name, updated.age) == ("New", 2)
    session.expunge_all()
    _, fresh = await crud.get_row(hero.id, session, Hero)
    assert fresh is not None
    assert (fresh.name, fresh.age) == ("New", 2)
    assert await crud.update_row(424242, {"name": "x"}, session, Hero) == (False, None)
    with pytest.raises(RecordNotFoundError):
        await crud.update_row(424242, {"name": "x"}, session, Hero, raise_on_error=True)


async def test_update_row_unknown_key_changes_nothing(session: AsyncSession) -> None:
    _, hero = await crud.write_row(Hero(name="Keep", secret_name="S", age=1), session)
    assert hero is not None
    with pytest.raises(ValueError, match="nope") as info:
        await crud.update_row(hero.id, {"age": 99, "nope": 1}, session, Hero)
    assert "Hero" in str(info.value)
    session.expunge_all()
    _, fresh = await crud.get_row(hero.id, session, Hero)
    assert fresh is not None
    assert fresh.age == 1


async def test_update_row_failure_returns_row_and_session_recovers(session: AsyncSession) -> None:
    await crud.write_row(Team(name="A"), session)
    _, team_b = await crud.write_row(Team(name="B"), session)
    assert team_b is not None
    team_b_id = team_b.id
    ok, row = await crud.update_row(team_b_id, {"name": "A"}, session, Team)
    assert ok is False
    assert row is team_b
    with pytest.raises(DuplicateKeyError):
        await crud.update_row(team_b_id, {"name": "A"}, session, Team, raise_on_error=True)
    _, teams = await crud.get_rows(session, Team, sort_field="name")
    assert [team.name for team in teams] == ["A", "B"]


async def test_delete_row(session: AsyncSession, engine: AsyncEngine) -> None:
    _, hero = await crud.write_row(Hero(name="Gone", secret_name="S"), session)
    assert hero is not None
    assert await crud.delete_row(str(hero.id), session, Hero) is True
    assert await crud.delete_row(hero.id, session, Hero) is False
    with pytest.raises(RecordNotFoundError):
        await crud.delete_row(hero.id, session, Hero, raise_on_error=True)
    assert await count_rows(session, Hero) == 0


async def test_foreign_key_violation_is_typed(session: AsyncSession) -> None:
    # Also proves foreign_keys=ON on SQLite connections.
    bad = Hero(name="H", secret_name="S", team_id=987_654)
    assert await crud.write_row(bad, session) == (False, None)
    with pytest.raises(ForeignKeyError):
        await crud.write_row(
            Hero(name="H", secret_name="S", team_id=987_654), session, raise_on_error=True
        )
    assert await count_rows(session, Hero) == 0


async def test_delete_row_with_children_follows_orm_semantics(session: AsyncSession) -> None:
    _, team = await crud.write_row(Team(name="T"), session)
    assert team is not None
    team_id = team.id
    _, hero = await crud.write_row(Hero(name="H", secret_name="S", team_id=team_id), session)
    assert hero is not None
    hero_id = hero.id
    session.expunge_all()
    # Like session.delete(): the one-to-many relationship nulls the children's key.
    assert await crud.delete_row(team_id, session, Team) is True
    _, orphan = await crud.get_row(hero_id, session, Hero)
    assert orphan is not None
    assert orphan.team_id is None


async def test_get_one_or_create(session: AsyncSession, engine: AsyncEngine) -> None:
    row, existed = await crud.get_one_or_create(
        session, Team, create_method_kwargs={"headquarters": "NYC"}, name="A"
    )
    assert existed is False
    assert (row.name, row.headquarters) == ("A", "NYC")
    again, existed = await crud.get_one_or_create(session, Team, name="A")
    assert existed is True
    assert again.id == row.id
    assert await count_rows(session, Team) == 1


async def test_get_one_or_create_selectin(session: AsyncSession) -> None:
    _, team = await crud.write_row(Team(name="T"), session)
    assert team is not None
    await crud.write_row(Hero(name="H", secret_name="S", team_id=team.id), session)
    session.expunge_all()
    row, existed = await crud.get_one_or_create(
        session, Team, selectin=True, select_in_key="heroes", name="T"
    )
    assert existed is True
    assert [hero.name for hero in row.heroes] == ["H"]


async def test_get_one_or_create_lost_race_returns_winner(
    session: AsyncSession, engine: AsyncEngine
) -> None:
    if engine.url.get_backend_name() == "sqlite":
        pytest.skip("SQLite serialises creators with BEGIN IMMEDIATE: no window for a race")
    competitor = getattr(engine, "sync_engine", engine)
    fired: list[bool] = []

    def competitor_wins(*_args: object) -> None:
        # Another connection commits the same key between our lookup and our insert.
        if not fired:
            fired.append(True)
            with competitor.begin() as conn:
                conn.execute(insert(Team).values(name="Winner", headquarters="first"))

    event.listen(getattr(session, "sync_session", session), "before_flush", competitor_wins)
    row, existed = await crud.get_one_or_create(
        session, Team, create_method_kwargs={"headquarters": "second"}, name="Winner"
    )
    assert fired == [True]
    assert existed is True
    assert row.headquarters == "first"
    assert await count_rows(session, Team) == 1


async def test_string_id_coercion_for_writes(session: AsyncSession) -> None:
    _, hero = await crud.write_row(Hero(name="Coerce", secret_name="S"), session)
    assert hero is not None
    ok, updated = await crud.update_row(f" {hero.id} ", {"age": 5}, session, Hero)
    assert ok is True
    assert updated is not None
    assert updated.age == 5
