"""Pages and keyset cursors without a database: encoding, signing, predicates."""

import datetime as dt
import enum
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from sqlmodel_crud_utils import pagination
from sqlmodel_crud_utils.pagination import (
    CursorPage,
    InvalidCursorError,
    Page,
    SortKey,
    configure_cursor_secret,
    decode_cursor,
    encode_cursor,
    keyset_condition,
    order_clause,
    ordering_fingerprint,
)
from tests.models import Ranked


@pytest.fixture(autouse=True)
def default_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(pagination.CURSOR_SECRET_ENV, raising=False)
    configure_cursor_secret(None)
    yield
    configure_cursor_secret(None)


class Colour(enum.Enum):
    RED = "red"


VALUES = [
    None,
    True,
    7,
    -2.5,
    "text with . and é",
    dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 1, 2, 3, 4, 5),
    dt.date(2026, 1, 2),
    dt.time(3, 4, 5),
    dt.timedelta(days=1, seconds=2, microseconds=3),
    Decimal("12.50"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    b"\x00\xffbytes",
    float("inf"),
]


def test_cursor_round_trips_every_value_type() -> None:
    cursor = encode_cursor(VALUES, "ord")
    assert "=" not in cursor
    decoded = decode_cursor(cursor, "ord")
    assert decoded == VALUES
    assert [type(value) for value in decoded] == [type(value) for value in VALUES]
    assert decode_cursor(encode_cursor([Colour.RED], "ord"), "ord") == ["red"]
    with pytest.raises(ValueError, match="cannot put"):
        encode_cursor([object()], "ord")


def test_cursor_is_tamper_evident() -> None:
    cursor = encode_cursor([1, "a"], "ord")
    body, signature = cursor.split(".")
    other_body = encode_cursor([2, "a"], "ord").split(".")[0]
    for forged in (
        f"{other_body}.{signature}",
        f"{body}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        body,
        f"{body}.{signature}.x",
        "",
        "!!.??",
    ):
        with pytest.raises(InvalidCursorError):
            decode_cursor(forged, "ord")
    with pytest.raises(InvalidCursorError, match="different query ordering"):
        decode_cursor(cursor, "other")
    assert issubclass(InvalidCursorError, ValueError)


def test_secret_configuration_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    default_cursor = encode_cursor([1], "ord")
    # The derived default is the same in every process.
    assert default_cursor == encode_cursor([1], "ord")
    configure_cursor_secret("a secret of sixteen+ bytes")
    mine = encode_cursor([1], "ord")
    assert mine != default_cursor
    with pytest.raises(InvalidCursorError, match="signature"):
        decode_cursor(default_cursor, "ord")
    assert decode_cursor(mine, "ord") == [1]
    configure_cursor_secret(b"another secret of 16+ bytes")
    with pytest.raises(InvalidCursorError):
        decode_cursor(mine, "ord")
    with pytest.raises(ValueError, match="16 bytes"):
        configure_cursor_secret("short")
    configure_cursor_secret(None)
    monkeypatch.setenv(pagination.CURSOR_SECRET_ENV, "from the environment")
    from_env = encode_cursor([1], "ord")
    assert from_env not in (default_cursor, mine)
    assert decode_cursor(from_env, "ord") == [1]


def test_page_fields() -> None:
    page = Page(items=[1, 2], total=5, page=2, page_size=2, has_next=True)
    assert (page.pages, page.has_prev) == (3, True)
    assert Page(items=[], total=0, page=1, page_size=10, has_next=False).pages == 0
    assert Page(items=[1], total=None, page=1, page_size=10, has_next=False).pages is None
    cursor_page = CursorPage(items=[1], next_cursor="n", prev_cursor=None)
    assert (cursor_page.has_next, cursor_page.has_prev) == (True, False)


def compiled(clause: object, dialect: object) -> str:
    return str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))  # type: ignore[attr-defined]


def test_keyset_predicates_are_null_safe() -> None:
    score = SortKey("score", Ranked.score, desc=False, nullable=True)
    ident = SortKey("id", Ranked.id, desc=False, nullable=False)
    sql = compiled(keyset_condition([score, ident], [3, 10]), sqlite.dialect())
    assert sql == (
        "ranked.score > 3 OR ranked.score IS NULL OR ranked.score = 3 AND ranked.id > 10"
    )
    # Nothing sorts after NULL ascending: only the tie on NULL remains.
    sql = compiled(keyset_condition([score, ident], [None, 10]), postgresql.dialect())
    assert sql == "false OR ranked.score IS NULL AND ranked.id > 10"
    descending = [score.reversed(), ident.reversed()]
    sql = compiled(keyset_condition(descending, [None, 10]), postgresql.dialect())
    assert sql == "ranked.score IS NOT NULL OR ranked.score IS NULL AND ranked.id < 10"
    assert compiled(order_clause(score), sqlite.dialect()) == "ranked.score ASC NULLS LAST"
    assert compiled(order_clause(score.reversed()), sqlite.dialect()) == (
        "ranked.score DESC NULLS FIRST"
    )
    with pytest.raises(InvalidCursorError):
        keyset_condition([score, ident], [1])
    assert ordering_fingerprint("Ranked", [score, ident]) != ordering_fingerprint(
        "Ranked", descending
    )
