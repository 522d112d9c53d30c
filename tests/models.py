"""Models used across the test suite."""


from datetime import datetime
from decimal import Decimal
from typing import Any, Optional
from uuid import UUID

from sqlalchemy import JSON, Column, Numeric, UniqueConstraint
from sqlmodel import Field, Relationship, SQLModel


class Team(SQLModel, table=True):
    __tablename__ = "teams"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    headquarters: Optional[str] = None

    heroes: list["Hero"] = Relationship(back_populates="team")


class Hero(SQLModel, table=True):
    __tablename__ = "heroes"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    secret_name: str
    age: Optional[int] = Field(default=None, index=True)
    rating: Optional[float] = None
    active: bool = True
    born_at: Optional[datetime] = None
    team_id: Optional[int] = Field(default=None, foreign_key="teams.id")

    team: Optional[Team] = Relationship(back_populates="heroes")


class Item(SQLModel, table=True):
    """Six columns: int pk, two strings (one unique), float, JSON, aware timestamp."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("code", name="uq_items_code"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str
    label: str = ""
    price: float = 0.0
    attrs: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))
    seen_at: Optional[datetime] = None


class Ledger(SQLModel, table=True):
    """String primary key plus exact numbers and UUIDs for coercion tests."""

    __tablename__ = "ledger"

    code: str = Field(primary_key=True)
    amount: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(12, 2)))
    ref: Optional[UUID] = None
    note: Optional[str] = None


class Note(SQLModel, table=True):
    """Soft-deletable rows."""

    __tablename__ = "notes"

    id: Optional[int] = Field(default=None, primary_key=True)
    body: str
    is_deleted: Optional[bool] = Field(default=False)
    deleted_at: Optional[datetime] = None
    deleted_by: Optional[str] = Field(default=None, max_length=100)
