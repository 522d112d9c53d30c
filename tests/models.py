"""Models used across the test suite."""

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Column, DateTime, Numeric, UniqueConstraint, func
from sqlmodel import Field, Relationship, SQLModel

from sqlmodel_crud_utils.mixins import TimestampMixin
from sqlmodel_crud_utils.softdelete import soft_delete_unique_index


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


class HookAudit(SQLModel, table=True):
    """Audit rows written by a lifecycle hook in the same transaction as the change."""

    __tablename__ = "hook_audit"

    id: int | None = Field(default=None, primary_key=True)
    event: str
    target: str


class Ranked(SQLModel, table=True):
    """Rows with many ties and NULLs in the sort columns (keyset pagination)."""

    __tablename__ = "ranked"

    id: int | None = Field(default=None, primary_key=True)
    score: int | None = Field(default=None, index=True)
    label: str | None = None


class StreamRow(SQLModel, table=True):
    """A narrow table for streaming many rows."""

    __tablename__ = "stream_rows"

    id: int | None = Field(default=None, primary_key=True)
    value: int


class Stamped(TimestampMixin, SQLModel, table=True):
    """Database-generated timestamps that are not pydantic fields (read cache)."""

    __tablename__ = "stamped"

    id: int | None = Field(default=None, primary_key=True)
    title: str
    price: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(10, 2)))


class Ticket(SQLModel, table=True):
    """A server-filled column not fetched eagerly: inserts leave it to be read on access."""

    __tablename__ = "tickets"
    __mapper_args__ = {"eager_defaults": False}

    id: int | None = Field(default=None, primary_key=True)
    title: str
    opened_at: datetime | None = Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), server_default=func.now(), nullable=False),
    )


class Member(SQLModel, table=True):
    """Soft-deletable rows whose e-mail is unique among the rows not deleted."""

    __tablename__ = "members"
    __table_args__ = (soft_delete_unique_index("uq_members_email_alive", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str
    name: str = ""
    is_deleted: bool | None = Field(default=False)
    deleted_at: datetime | None = None
    deleted_by: str | None = Field(default=None, max_length=100)
