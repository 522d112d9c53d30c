# This file is generated from tests/_async/test_reads.py by scripts/unasync.py. Do not edit it by hand.
"""Read helpers: get_row, get_rows (filter grammar), id lists, get_result_from_query."""

import datetime as dt
import logging
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlmodel import Session, select

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.exceptions import QueryExecutionError, RecordNotFoundError, ValidationError
from sqlmodel_crud_utils.results import ResultList
from tests.models import Hero, Ledger, Team

_ASYNC_TWIN = False


def seed(session: Session) -> list[Hero]:
    team = Team(name="Avengers", headquarters="NYC")
    heroes = [
        Hero(name="Deadpond", secret_name="Dive Wilson", age=30, rating=4.5, active=True),
        Hero(name="Spider-Boy", secret_name="Pedro Parqueador", age=16, rating=3.0, active=False),
        Hero(name="Rusty-Man", secret_name="Tommy Sharp", age=48, rating=None, active=True),
        Hero(name="Tarantula", secret_name="Natalia Roman-on", age=None, rating=4.0, active=True),
        Hero(name="Black Lion", secret_name="Trevor Challa", age=35, rating=5.0, active=True),
        Hero(name="100%_Man", secret_name="Percy", age=48, rating=2.5, active=False),
    ]
    heroes[0].team = team
    heroes[2].team = team
    session.add_all(heroes)
    session.commit()
    for hero in heroes:
        session.refresh(hero)
    return heroes


def names(session: Session, **kwargs: object) -> list[str]:
    found, rows = crud.get_rows(session, Hero, sort_field="id", **kwargs)
    assert found is (len(rows) > 0)
    return [row.name for row in rows]


def test_get_row_found_not_found_and_string_id(session: Session) -> None:
    heroes = seed(session)
    found, row = crud.get_row(heroes[0].id, session, Hero)
    assert found is True
    assert row is not None
    assert row.name == "Deadpond"
    found, row = crud.get_row(str(heroes[1].id), session, Hero)
    assert (found, row.name if row else None) == (True, "Spider-Boy")
    assert crud.get_row(999_999, session, Hero) == (False, None)
    with pytest.raises(RecordNotFoundError) as info:
        crud.get_row(999_999, session, Hero, raise_on_error=True)
    assert info.value.id_value == 999_999
    assert "Hero with id=999999 not found" in str(info.value)


def test_get_row_string_primary_key_and_pk_field(session: Session) -> None:
    session.add(Ledger(code="A-1", amount=Decimal("12.50")))
    session.commit()
    found, row = crud.get_row("A-1", session, Ledger, pk_field="code")
    assert found is True
    assert row is not None
    assert row.amount == Decimal("12.50")


def test_get_row_unknown_pk_field_lists_columns(session: Session) -> None:
    with pytest.raises(AttributeError) as info:
        crud.get_row(1, session, Hero, pk_field="nope")
    assert "nope" in str(info.value)
    assert "secret_name" in str(info.value)


def test_get_row_selectin_loads_relationship_without_io(session: Session) -> None:
    heroes = seed(session)
    session.expunge_all()
    found, team = crud.get_row(
        heroes[0].team_id, session, Team, selectin=True, select_in_keys="heroes"
    )
    assert found is True
    assert team is not None
    assert sorted(hero.name for hero in team.heroes) == ["Deadpond", "Rusty-Man"]
    with pytest.raises(AttributeError):
        crud.get_row(heroes[0].team_id, session, Team, selectin=True, select_in_keys=["x"])


def test_get_rows_equality_and_coercion(session: Session) -> None:
    seed(session)
    assert names(session, age=48) == ["Rusty-Man", "100%_Man"]
    assert names(session, age="48") == ["Rusty-Man", "100%_Man"]
    assert names(session, active="false") == ["Spider-Boy", "100%_Man"]
    assert names(session, age=None) == ["Tarantula"]
    assert names(session, name="Deadpond") == ["Deadpond"]
    assert names(session, rating="4.5") == ["Deadpond"]


def test_get_rows_operators(session: Session) -> None:
    seed(session)
    assert names(session, age__gte=35) == ["Rusty-Man", "Black Lion", "100%_Man"]
    assert names(session, age__gt="35") == ["Rusty-Man", "100%_Man"]
    assert names(session, age__lte=30) == ["Deadpond", "Spider-Boy"]
    assert names(session, age__lt=30) == ["Spider-Boy"]
    assert names(session, name__like="ul") == ["Tarantula"]
    assert names(session, name__ilike="DEAD") == ["Deadpond"]
    assert names(session, age__in=(16, 30)) == ["Deadpond", "Spider-Boy"]
    assert names(session, age__in={"16"}) == ["Spider-Boy"]
    assert names(session, age__in=(a for a in [30])) == ["Deadpond"]
    assert names(session, age__not_in=[16, 30, 48]) == ["Black Lion"]
    assert names(session, age__ne=48) == ["Deadpond", "Spider-Boy", "Black Lion"]
    assert names(session, rating__ne=None) == [
        "Deadpond",
        "Spider-Boy",
        "Tarantula",
        "Black Lion",
        "100%_Man",
    ]
    assert names(session, age__isnull=True) == ["Tarantula"]
    assert names(session, rating__isnull="false", active=False) == ["Spider-Boy", "100%_Man"]
    assert names(session, name__startswith="100%") == ["100%_Man"]
    assert names(session, name__startswith="1%") == []
    assert names(session, name__endswith="_Man") == ["100%_Man"]
    assert names(session, age__between=("20", 40)) == ["Deadpond", "Black Lion"]


def test_get_rows_between_needs_two_values(session: Session) -> None:
    with pytest.raises(ValueError, match="exactly two"):
        crud.get_rows(session, Hero, age__between=[1, 2, 3])


def test_get_rows_unknown_names_are_clear_errors(session: Session) -> None:
    with pytest.raises(AttributeError) as info:
        crud.get_rows(session, Hero, nope__gte=3)
    assert "nope" in str(info.value)
    assert "secret_name" in str(info.value)
    with pytest.raises(InvalidRequestError) as bad:
        crud.get_rows(session, Hero, age__around=3)
    assert "__between" in str(bad.value)
    assert isinstance(bad.value, ValidationError)
    with pytest.raises(AttributeError):
        crud.get_rows(session, Hero, sort_field="nope")


def test_get_rows_unusable_in_value(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    seed(session)
    with caplog.at_level(logging.WARNING, logger="sqlmodel_crud_utils"):
        found, rows = crud.get_rows(session, Hero, age__in=5)
    assert found is True
    assert len(rows) == 6
    assert any("age__in" in message for message in caplog.messages)
    with pytest.raises(ValidationError) as info:
        crud.get_rows(session, Hero, age__in="16", raise_on_error=True)
    assert info.value.field == "age__in"


def test_get_rows_filters_mapping_and_clash(session: Session) -> None:
    seed(session)
    found, rows = crud.get_rows(session, Hero, filters={"name": "Percy"})
    assert (found, rows) == (False, [])
    found, rows = crud.get_rows(session, Hero, filters={"age": 16})
    assert [row.name for row in rows] == ["Spider-Boy"]
    with pytest.raises(ValueError, match="both"):
        crud.get_rows(session, Hero, age=1, filters={"age": 2})


def test_get_rows_sorting_and_paging(session: Session) -> None:
    seed(session)
    _, rows = crud.get_rows(session, Hero, sort_field="age", sort_desc="false", page_size=None)
    ages = [row.age for row in rows if row.age is not None]
    assert ages == sorted(ages)
    _, rows = crud.get_rows(session, Hero, sort_field="age", sort_desc=True, age__ne=None)
    assert [row.age for row in rows] == [48, 48, 35, 30, 16]
    assert [row.name for row in rows][:2] == ["100%_Man", "Rusty-Man"]
    page1 = names(session, page_size=4, page=1)
    page2 = names(session, page_size=4, page=2)
    page0 = names(session, page_size=4, page=0)
    assert page0 == page1
    assert len(page1) == 4
    assert len(page2) == 2
    assert not set(page1) & set(page2)
    assert len(names(session, page_size=-1)) == 6


def test_get_rows_relationship_equality_and_loaders(session: Session) -> None:
    seed(session)
    team = (session.exec(select(Team))).one()
    assert names(session, team=team) == ["Deadpond", "Rusty-Man"]
    session.expunge_all()
    _, teams = crud.get_rows(session, Team, selectin=True, select_in_keys=["heroes", "nope"])
    assert len(teams[0].heroes) == 2


def test_get_rows_custom_statement(session: Session) -> None:
    seed(session)
    found, rows = crud.get_rows(
        session, Hero, stmnt=select(Hero.name, Hero.age).where(Hero.age == 48).order_by(Hero.name)
    )
    assert found is True
    assert [tuple(row) for row in rows] == [("100%_Man", 48), ("Rusty-Man", 48)]


def test_get_rows_datetime_coercion(session: Session) -> None:
    born = dt.datetime(2020, 5, 17, 12, 0, tzinfo=dt.timezone.utc)
    session.add(Hero(name="Timely", secret_name="T", born_at=born))
    session.add(Hero(name="Early", secret_name="E", born_at=born - dt.timedelta(days=400)))
    session.commit()
    assert names(session, born_at__gte="2020-01-01") == ["Timely"]
    assert names(session, born_at="2020-05-17T12:00:00+00:00") == ["Timely"]
    assert names(session, born_at__lt="2020-01-01T00:00:00Z") == ["Early"]


def test_uuid_and_decimal_coercion(session: Session) -> None:
    ref = uuid.uuid4()
    session.add(Ledger(code="X", amount=Decimal("10.25"), ref=ref))
    session.add(Ledger(code="Y", amount=Decimal("3.00"), ref=uuid.uuid4()))
    session.commit()
    _, rows = crud.get_rows(session, Ledger, ref=str(ref))
    assert [row.code for row in rows] == ["X"]
    _, rows = crud.get_rows(session, Ledger, amount__gt="5")
    assert [row.code for row in rows] == ["X"]


def test_get_rows_within_id_list(session: Session) -> None:
    heroes = seed(session)
    wanted = {heroes[0].id, heroes[2].id}
    found, rows = crud.get_rows_within_id_list([str(i) for i in wanted], session, Hero)
    assert found is True
    assert isinstance(rows, ResultList)
    assert {row.id for row in rows} == wanted
    assert {row.id for row in rows.all()} == wanted
    assert rows.first() in rows
    found, rows = crud.get_rows_within_id_list([], session, Hero)
    assert rows == []
    assert found is _ASYNC_TWIN
    found, rows = crud.get_rows_within_id_list(iter([987_654]), session, Hero)
    assert rows == []
    assert rows.one_or_none() is None
    assert found is _ASYNC_TWIN


def test_get_rows_within_long_id_list_is_chunked(session: Session) -> None:
    heroes = seed(session)
    ids: list[int] = list(range(100_000, 140_000))
    ids.append(heroes[3].id or 0)
    found, rows = crud.get_rows_within_id_list(ids, session, Hero)
    assert found is True
    assert [row.name for row in rows] == ["Tarantula"]


def test_get_result_from_query(session: Session) -> None:
    seed(session)
    row = crud.get_result_from_query(select(Hero).where(Hero.name == "Deadpond"), session)
    assert row.name == "Deadpond"
    several = crud.get_result_from_query(select(Hero).where(Hero.age == 48), session)
    assert several.age == 48
    assert crud.get_result_from_query(select(Hero).where(Hero.age == 1), session) is None


def test_session_usable_after_read_error(session: Session) -> None:
    seed(session)
    statement = select(Hero).from_statement(text("SELECT * FROM no_such_table"))
    with pytest.raises(DBAPIError):
        crud.get_rows(session, Hero, stmnt=statement)
    _, rows = crud.get_rows(session, Hero, age=16)
    assert [row.name for row in rows] == ["Spider-Boy"]
    hero_id = rows[0].id
    with pytest.raises(QueryExecutionError) as info:
        crud.get_rows(session, Hero, stmnt=statement, raise_on_error=True)
    assert isinstance(info.value.original_error, DBAPIError)
    assert (crud.get_row(hero_id, session, Hero))[0] is True
