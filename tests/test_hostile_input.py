"""Hostile and odd input: rejected before SQL or bound as values, never executed as SQL.

Property-based (hypothesis) over the filter grammar and sort keys, plus exact round
trips of every supported value type on SQLite and PostgreSQL.
"""

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, BigInteger, Column, Float, LargeBinary, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Field, Session, SQLModel

from sqlmodel_crud_utils import DBConfig, create_engine_from_config, sync
from sqlmodel_crud_utils._core.filters import OPERATORS
from sqlmodel_crud_utils.exceptions import SQLModelCRUDError, ValidationError
from tests import support


class Canary(SQLModel, table=True):
    __tablename__ = "hostile_canary"

    id: int | None = Field(default=None, primary_key=True)
    note: str = ""


class Sample(SQLModel, table=True):
    __tablename__ = "hostile_samples"

    id: int | None = Field(default=None, primary_key=True)
    text_value: str = ""
    big: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    real: float | None = Field(default=None, sa_column=Column(Float(53)))
    when: dt.datetime | None = None
    payload: Any = Field(default=None, sa_column=Column(JSON))
    blob: bytes | None = Field(default=None, sa_column=Column(LargeBinary))


TABLES = [Canary.__table__, Sample.__table__]
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def engine(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'h.db'}"
        eng = create_engine_from_config(DBConfig(url=url))
        SQLModel.metadata.create_all(eng, tables=TABLES)
        yield eng
        eng.dispose()
        return
    support.require_postgres()
    with support.pg_schema() as schema:
        eng = create_engine_from_config(DBConfig(url=support.PG_URL))
        support.attach_search_path(eng, schema)
        SQLModel.metadata.create_all(eng, tables=TABLES)
        yield eng
        eng.dispose()


def canary_alive(engine: Any) -> bool:
    return inspect(engine).has_table("hostile_canary") and inspect(engine).has_table(
        "hostile_samples"
    )


#: Storable text: no NUL (PostgreSQL refuses it) and no lone surrogates (not encodable in UTF-8).
TEXT_CHARS = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
NASTY_TEXT = st.sampled_from(
    [
        "'; DROP TABLE hostile_canary; --",
        '" OR 1=1 --',
        "%_\\",
        "') OR ('1'='1",
        "1; DELETE FROM hostile_samples",
        "ünïcødé ✓ 𝄞",
    ]
) | st.text(alphabet=TEXT_CHARS, max_size=40)
COLUMNS = list(Sample.__table__.columns.keys())
KEYS = (
    st.sampled_from(COLUMNS)
    | st.builds(lambda c, op: f"{c}__{op}", st.sampled_from(COLUMNS), st.sampled_from(OPERATORS))
    | st.text(max_size=30)
    | NASTY_TEXT
)
VALUES = (
    NASTY_TEXT
    | st.integers()
    | st.floats(allow_nan=False)
    | st.none()
    | st.booleans()
    | st.lists(NASTY_TEXT, max_size=4)
    | st.tuples(st.integers(), st.integers())
)


@SETTINGS
@given(key=KEYS, value=VALUES)
def test_filters_work_or_fail_before_sql(engine: Any, key: str, value: Any) -> None:
    if key in ("sort_field", "sort_desc") or not key.isidentifier():
        # Not expressible as a keyword: use the filters= mapping instead.
        kwargs: dict[str, Any] = {"filters": {key: value}}
    else:
        kwargs = {key: value}
    outcome: Any
    with Session(engine) as session:
        try:
            outcome = sync.get_rows(session, Sample, **kwargs)
        except DBAPIError as exc:
            outcome = exc
        except (ValidationError, ValueError, AttributeError):
            outcome = None  # rejected before any SQL ran
    if isinstance(outcome, DBAPIError):
        # Only a value the database cannot hold may get this far (an integer beyond
        # 64 bits, comparing JSON): never a syntax error from injected text.
        message = str(outcome.orig).lower()
        assert "syntax" not in message, message
        assert "out of range" in message or "json" in message, message
    elif outcome is not None:
        ok, rows = outcome
        assert ok is (len(rows) > 0)
    assert canary_alive(engine)


@SETTINGS
@given(field=NASTY_TEXT, desc=st.one_of(st.booleans(), NASTY_TEXT))
def test_sort_keys_are_validated(engine: Any, field: str, desc: Any) -> None:
    with Session(engine) as session:
        if field in COLUMNS:
            sync.get_rows(session, Sample, sort_field=field, sort_desc=desc)
        else:
            with pytest.raises(AttributeError, match="not a sortable column"):
                sync.get_rows(session, Sample, sort_field=field, sort_desc=desc)
    assert canary_alive(engine)


AWARE = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30))]),
)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text_value=st.text(
        alphabet=TEXT_CHARS,
        max_size=200,
    ),
    big=st.integers(-(2**63), 2**63 - 1),
    real=st.floats(allow_nan=False, width=64) | st.sampled_from([math.inf, -math.inf]),
    when=AWARE,
    payload=JSONISH,
    blob=st.binary(max_size=64),
)
def test_values_round_trip_exactly(
    engine: Any,
    text_value: str,
    big: int,
    real: float,
    when: dt.datetime,
    payload: Any,
    blob: bytes,
) -> None:
    with Session(engine) as session:
        ok, row = sync.write_row(
            Sample(
                text_value=text_value, big=big, real=real, when=when, payload=payload, blob=blob
            ),
            session,
            raise_on_error=True,
        )
        assert ok is True
        assert row is not None
        row_id = row.id
    with Session(engine) as session:
        found, stored = sync.get_row(row_id, session, Sample)
        assert found is True
        assert stored is not None
        assert stored.text_value == text_value
        assert stored.big == big
        assert stored.real == real
        assert stored.when == when  # the same instant, returned aware
        assert stored.when is not None
        assert stored.when.utcoffset() is not None
        assert stored.payload == payload
        assert bytes(stored.blob or b"") == blob


def test_nan_policy(engine: Any) -> None:
    """PostgreSQL stores NaN; SQLite has no NaN and stores NULL instead."""
    with Session(engine) as session:
        _, row = sync.write_row(Sample(real=math.nan), session, raise_on_error=True)
        assert row is not None
        row_id = row.id
    with Session(engine) as session:
        _, stored = sync.get_row(row_id, session, Sample)
        assert stored is not None
        if engine.dialect.name == "postgresql":
            assert stored.real is not None
            assert math.isnan(stored.real)
        else:
            assert stored.real is None


def test_raw_sql_stays_out_of_where_fragments(engine: Any) -> None:
    with Session(engine) as session:
        sync.write_row(Canary(note="alive"), session)
        _, rows = sync.get_rows(session, Canary, note="x' OR '1'='1")
        assert rows == []
        assert session.exec(text("SELECT count(*) FROM hostile_canary")).one()[0] >= 1


def test_text_that_is_not_unicode_is_rejected(engine: Any) -> None:
    """A lone surrogate cannot be encoded for the database: a typed error, no raw one."""
    with Session(engine) as session:
        with pytest.raises(SQLModelCRUDError):
            sync.write_row(Sample(text_value="\ud800"), session, raise_on_error=True)
        with pytest.raises(ValidationError):
            sync.get_rows(session, Sample, text_value="\ud800")
        assert sync.get_rows(session, Sample, text_value="ok")[0] in (True, False)
