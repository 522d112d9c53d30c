"""Models used across the test suite."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Column, Numeric, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel


class Team(SQLModel, table=True):
    __tablename__ = "teams"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    headquarters: str | None = None

    heroes: list["Hero"] = Relationship(back_populates="team")


class Hero(SQLModel, table=True):
    __tablename__ = "heroes"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    secret_name: str
    age: int | None = Field(default=None, index=True)
    rating: float | None = None
    active: bool = True
    born_at: datetime | None = None
    team_id: int | None = Field(default=None, foreign_key="teams.id")

    team: Team | None = Relationship(back_populates="heroes")


class Item(SQLModel, table=True):
    """Six columns: int pk, two strings (one unique), float, JSON, aware timestamp."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("code", name="uq_items_code"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str
    label: str = ""
    price: float = 0.0
    attrs: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    seen_at: datetime | None = None


class Ledger(SQLModel, table=True):
    """String primary key plus exact numbers and UUIDs for coercion tests."""

    __tablename__ = "ledger"

    code: str = Field(primary_key=True)
    amount: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(12, 2)))
    ref: UUID | None = None
    note: str | None = None


class Note(SQLModel, table=True):
    """Soft-deletable rows."""

    __tablename__ = "notes"

    id: int | None = Field(default=None, primary_key=True)
    body: str
    is_deleted: bool | None = Field(default=False)
    deleted_at: datetime | None = None
    deleted_by: str | None = Field(default=None, max_length=100)
