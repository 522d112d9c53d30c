"""The direct bulk paths build what SQLAlchemy's ORM builds (no database needed).

The parameters, groups and orderings of ``_core.hydrate`` are compared with
the ORM's own functions on generated inputs: the bulk insert's and the
flush's parameter collection, and ``order_like_payload``.
"""

from itertools import groupby
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import persistence

from sqlmodel_crud_utils._core.bulkpath import evaluating_none, model_shape
from sqlmodel_crud_utils._core.hydrate import payload_order, plan_object_insert, upsert_parameters
from sqlmodel_crud_utils._core.statements import order_like_payload
from tests.models import Item

SQLITE = create_engine("sqlite://")
with SQLITE.connect():  # the dialect learns the server's RETURNING support on connect
    pass


class _Connection:
    dialect = SQLITE.dialect


MAPPER = sa_inspect(Item)
TABLE = MAPPER.local_table
OPTIONAL = ("label", "price", "attrs", "seen_at")

values = st.one_of(st.none(), st.integers(-3, 3))


@st.composite
def upsert_chunks(draw: Any) -> list[dict[str, Any]]:
    keys = ["id", "code", *draw(st.lists(st.sampled_from(OPTIONAL), unique=True))]
    count = draw(st.integers(1, 12))
    return [
        {key: (index if key == "id" else draw(values)) for key in keys} for index in range(count)
    ]


def orm_bulk_groups(chunk: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """What the ORM's bulk insert executes for ``chunk``: its executemany groups."""
    records = persistence._collect_insert_commands(
        TABLE, ((None, dict(row), MAPPER, _Connection()) for row in chunk), bulk=True
    )
    grouped = groupby(records, lambda rec: (set(rec[2]), bool(rec[5]), rec[6], rec[7]))
    return [[rec[2] for rec in group] for _key, group in grouped]


@settings(max_examples=200, deadline=None)
@given(upsert_chunks())
def test_upsert_parameters_are_the_orm_bulk_insert_groups(chunk: list[dict[str, Any]]) -> None:
    shape = model_shape(Item)
    assert shape is not None
    mine = upsert_parameters(chunk, evaluating_none(shape))
    assert [[dict(params) for params in group] for group in mine] == orm_bulk_groups(chunk)


@st.composite
def new_items(draw: Any) -> list[Item]:
    items = []
    for index in range(draw(st.integers(1, 10))):
        item = Item(code=f"c{index}")
        for key in ("id", *OPTIONAL):
            choice = draw(st.sampled_from(["value", "none", "absent"]))
            if choice == "value":
                setattr(item, key, index + 1 if key == "id" else draw(st.integers(0, 3)))
            elif choice == "none":
                setattr(item, key, None)
            else:
                item.__dict__.pop(key, None)
        items.append(item)
    return items


def orm_flush_groups(items: list[Item]) -> list[list[dict[str, Any]]]:
    """What a flush executes for new ``items``: its parameters, in executemany groups."""
    states = [sa_inspect(item) for item in items]
    records = persistence._collect_insert_commands(
        TABLE, ((state, state.dict, MAPPER, _Connection()) for state in states)
    )
    grouped = groupby(records, lambda rec: (set(rec[2]), bool(rec[5]), rec[6], rec[7]))
    return [[rec[2] for rec in group] for _key, group in grouped]


@settings(max_examples=200, deadline=None)
@given(new_items())
def test_insert_groups_are_the_flush_groups(items: list[Item]) -> None:
    shape = model_shape(Item)
    assert shape is not None
    plan = plan_object_insert(Item, shape, SQLITE.dialect, items)
    assert plan is not None
    columns = {column.key for column in TABLE.columns}
    mine = [
        [{key: value for key, value in params.items() if key in columns} for params in group.params]
        for group in plan.groups
    ]
    assert mine == orm_flush_groups(items)
    assert all(set(group.params[0]) & columns == group.keys for group in plan.groups)
    assert [obj for group in plan.groups for obj in group.objects] == items


class Row:
    """An object holding key attributes, as loaded instances do."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Row({self.__dict__})"


keys = st.one_of(st.integers(0, 5), st.none())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.dictionaries(st.sampled_from(["a", "b"]), keys), max_size=8),
    st.lists(st.tuples(keys, keys), max_size=8),
    st.sampled_from([["a"], ["a", "b"]]),
)
def test_payload_order_is_order_like_payload(
    payload: list[dict[str, Any]], found: list[tuple[Any, Any]], fields: list[str]
) -> None:
    objects = [Row(a=a, b=b) for a, b in found]
    assert payload_order(objects, payload, fields) == order_like_payload(objects, payload, fields)
