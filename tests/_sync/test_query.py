# This file is generated from tests/_async/test_query.py by scripts/unasync.py. Do not edit it by hand.
"""The query builder: filters, groups, relationship filters, shapes, loaders."""

import pytest
from sqlalchemy import func
from sqlalchemy.exc import InvalidRequestError
from sqlmodel import Session, col, select

from sqlmodel_crud_utils import sync as crud
from sqlmodel_crud_utils.exceptions import MultipleRecordsError, RecordNotFoundError
from sqlmodel_crud_utils.query import and_, not_, or_
from sqlmodel_crud_utils.sync import QueryBuilder
from sqlmodel_crud_utils.utils import QueryBuilderBase, reads_only_table
from tests.models import Hero, Team
from tests.statements import count_statements


def seed(session: Session) -> None:
    avengers = Team(name="Avengers", headquarters="NYC")
    guardians = Team(name="Guardians", headquarters="Space")
    session.add_all(
        [
            Hero(id=1, name="Deadpond", secret_name="Dive", age=30, rating=4.5, team=avengers),
            Hero(id=2, name="Spider-Boy", secret_name="Pedro", age=16, active=False, team=avengers),
            Hero(id=3, name="Rusty-Man", secret_name="Tommy", age=48, team=guardians),
            Hero(id=4, name="Tarantula", secret_name="Natalia", age=None, rating=4.0),
            Hero(id=5, name="Black Lion", secret_name="Trevor", age=35, rating=5.0, team=guardians),
            Hero(id=6, name="100%_Man", secret_name="Percy", age=48, rating=2.5, active=False),
        ]
    )
    session.commit()


def heroes(session: Session) -> QueryBuilder[Hero]:
    return QueryBuilder(session, Hero)


def names(builder: QueryBuilder[Hero]) -> list[str]:
    found, rows = builder.order_by("id").all()
    assert found is (len(rows) > 0)
    return [row.name for row in rows]


def test_upstream_shapes_and_immutability(session: Session) -> None:
    seed(session)
    base = heroes(session)
    assert isinstance(base, QueryBuilderBase)
    adults = base.where(age__gte=18)
    assert adults is not base
    assert len(names(base)) == 6
    assert names(adults) == ["Deadpond", "Rusty-Man", "Black Lion", "100%_Man"]
    assert adults.count() == (True, 4)
    assert adults.limit(2).count() == (True, 2)
    found, first = adults.order_by("age", desc=True).first()
    assert found is True
    assert first.age == 48
    assert base.where(name="nobody").first() == (False, None)
    assert base.where(name="nobody").all() == (False, [])
    assert base.where(name="nobody").count() == (False, 0)
    assert base.limit(0).first() == (False, None)
    found, rows = base.order_by("id").offset(4).limit(5).all()
    assert [row.name for row in rows] == ["Black Lion", "100%_Man"]


def test_full_operator_grammar(session: Session) -> None:
    seed(session)
    base = heroes(session)
    assert names(base.where(age__in=(16, 30))) == ["Deadpond", "Spider-Boy"]
    assert names(base.where(age__not_in={16, 30, 48})) == ["Black Lion"]
    assert names(base.where(age__between=[30, 40])) == ["Deadpond", "Black Lion"]
    assert names(base.where(age__isnull=True)) == ["Tarantula"]
    assert names(base.where(rating__ne=None, age__lt=31)) == ["Deadpond"]
    assert names(base.where(name__startswith="100%")) == ["100%_Man"]
    assert names(base.where(name__endswith="-Man")) == ["Rusty-Man"]
    assert names(base.where(name__ilike="MAN")) == ["Rusty-Man", "100%_Man"]
    assert names(base.where(age="48")) == ["Rusty-Man", "100%_Man"]
    assert names(base.where(col(Hero.age) > 40)) == ["Rusty-Man", "100%_Man"]


def test_bad_filters_raise_value_error_before_sql(session: Session) -> None:
    base = heroes(session)
    with count_statements(session) as seen:
        with pytest.raises(ValueError, match="is not a column of Hero"):
            base.where(nope__gte=1)
        with pytest.raises(ValueError, match="nope"):
            base.where(nope=1)
        with pytest.raises(ValueError, match="age__bogus"):
            base.where(age__bogus=1)
        with pytest.raises(ValueError):
            base.where(age__in=5)
        with pytest.raises(ValueError):
            base.where(team__nope="x")
        with pytest.raises(ValueError):
            base.order_by("nope")
        with pytest.raises(ValueError, match="direction"):
            base.order_by(col(Hero.age).desc(), desc=True)
        for bad in (-1, 1.5, True, "3"):
            with pytest.raises(ValueError):
                base.limit(bad)  # type: ignore[arg-type]
            with pytest.raises(ValueError):
                base.offset(bad)  # type: ignore[arg-type]
        for ttl in (True, "1", float("nan"), -1):
            with pytest.raises(ValueError):
                base.cached(ttl)  # type: ignore[arg-type]
    assert seen == []


def test_or_and_not_groups(session: Session) -> None:
    seed(session)
    base = heroes(session)
    either = or_({"age__gte": 40, "active": True}, name="Spider-Boy")
    assert names(base.where(either)) == ["Spider-Boy", "Rusty-Man"]
    assert names(base.where(not_(age__isnull=True), not_(active=True))) == [
        "Spider-Boy",
        "100%_Man",
    ]
    nested = or_(and_(name__startswith="Dead"), not_(or_(age__lt=40, age__isnull=True)))
    assert names(base.where(nested)) == ["Deadpond", "Rusty-Man", "100%_Man"]
    assert names(base.where(or_())) == []


def test_filters_through_relationships(session: Session) -> None:
    seed(session)
    assert names(heroes(session).where(team__name="Avengers")) == ["Deadpond", "Spider-Boy"]
    assert names(heroes(session).where(team__headquarters__ilike="spa", age__gt=40)) == [
        "Rusty-Man"
    ]
    teams = QueryBuilder(session, Team).order_by("name")
    found, rows = teams.where(heroes__age__gte=40).all()
    assert [team.name for team in rows] == ["Guardians"]
    found, rows = teams.where(or_(heroes__active=False, headquarters="Space")).all()
    assert [team.name for team in rows] == ["Avengers", "Guardians"]


def test_exists_one_and_one_or_none(session: Session) -> None:
    seed(session)
    base = heroes(session)
    assert base.where(name="Deadpond").exists() is True
    assert base.where(name="nobody").exists() is False
    hero = base.where(name="Deadpond").one()
    assert hero.secret_name == "Dive"
    with pytest.raises(RecordNotFoundError):
        base.where(name="nobody").one()
    assert base.where(name="nobody").one_or_none() is None
    with pytest.raises(MultipleRecordsError) as info:
        base.where(age=48).one()
    assert info.value.count == 2


def test_select_columns_distinct_and_group_by(session: Session) -> None:
    seed(session)
    base = heroes(session)
    found, rows = base.select("name", "age").where(age__gte=40).order_by("id").all()
    assert [tuple(row) for row in rows] == [("Rusty-Man", 48), ("100%_Man", 48)]
    found, rows = base.select("age").distinct().where(age__gte=40).all()
    assert [row.age for row in rows] == [48]
    assert base.select("age").distinct().where(age__isnull=False).count() == (True, 4)
    found, rows = (
        base.select("active", func.count().label("n")).group_by("active").order_by("active").all()
    )
    assert [(row.active, row.n) for row in rows] == [(False, 2), (True, 4)]
    assert base.count_by("active") == {False: 2, True: 4}
    assert base.where(age__isnull=False).count_by("active", "age") == {
        (True, 30): 1,
        (False, 16): 1,
        (True, 48): 1,
        (True, 35): 1,
        (False, 48): 1,
    }


def test_load_chooses_loader_per_relationship_kind(session: Session) -> None:
    seed(session)
    session.expunge_all()
    with count_statements(session) as seen:
        found, rows = heroes(session).load("team", "team.heroes").order_by("id").all()
    # Hero JOIN team in one statement, then one IN query for the teams' heroes.
    assert len(seen) == 2
    assert "JOIN" in seen[0].upper()
    assert rows[0].team.name == "Avengers"
    assert sorted(hero.name for hero in rows[0].team.heroes) == ["Deadpond", "Spider-Boy"]
    session.expunge_all()
    teams = QueryBuilder(session, Team).load("heroes").order_by("id")
    with count_statements(session) as seen:
        found, rows = teams.all()
    assert len(seen) == 2
    assert "JOIN" not in seen[0].upper()
    assert len(rows[0].heroes) == 2
    with pytest.raises(ValueError, match="not a relationship"):
        heroes(session).load("team.nope")


def test_selectin_lazy_and_raw_options(session: Session) -> None:
    seed(session)
    session.expunge_all()
    found, rows = QueryBuilder(session, Team).selectin("heroes").order_by("id").all()
    assert len(rows[0].heroes) == 2
    with pytest.raises(ValueError):
        heroes(session).selectin("team").lazy("team")
    with pytest.raises(ValueError):
        heroes(session).selectin("name")
    from sqlalchemy.orm import selectinload

    session.expunge_all()
    stmt = select(Team).options(selectinload(Team.heroes)).where(Team.name == "Guardians")
    found, rows = QueryBuilder(session, Team, stmt).all()
    assert [hero.name for hero in sorted(rows[0].heroes, key=lambda h: h.id or 0)] == [
        "Rusty-Man",
        "Black Lion",
    ]
    session.expunge_all()
    found, rows = QueryBuilder(session, Team).options(selectinload(Team.heroes)).all()
    assert all(len(team.heroes) == 2 for team in rows)


def test_strict_makes_unloaded_relationships_raise(session: Session) -> None:
    seed(session)
    session.expunge_all()
    found, rows = heroes(session).strict().load("team").where(name="Deadpond").all()
    assert rows[0].team.name == "Avengers"
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = rows[0].team.heroes
    session.expunge_all()
    found, rows = heroes(session).strict().where(name="Deadpond").all()
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = rows[0].team


def test_reads_only_table_and_upstream_helper_use(session: Session) -> None:
    table = Hero.__table__  # type: ignore[attr-defined]
    assert reads_only_table(select(Hero).where(Hero.age > 3), table) is True
    assert reads_only_table(select(Hero).join(Team), table) is False
    assert reads_only_table(heroes(session).where(team__name="x").statement(), table) is False
    from sqlalchemy import literal_column, text

    assert reads_only_table(select(Hero).where(text("age > 3")), table) is False
    assert reads_only_table(select(Hero, literal_column("1")), table) is False
    seed(session)
    found, rows = crud.get_rows(session, Hero, age__gte=40, sort_field="id")
    found_qb, rows_qb = heroes(session).where(age__gte=40).order_by("id").all()
    assert [row.id for row in rows] == [row.id for row in rows_qb]
