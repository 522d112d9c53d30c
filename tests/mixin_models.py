"""Models of the mixin and change-tracking tests.

Shared by the async tests and their generated sync twins: a table can be
defined only once in ``SQLModel.metadata``.
"""

import uuid
from decimal import Decimal

from sqlalchemy import Column, Numeric
from sqlmodel import Field, SQLModel

from sqlmodel_crud_utils.mixins import (
    AuditMixin,
    AwareAuditMixin,
    AwareSoftDeleteMixin,
    SoftDeleteMixin,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    VersionMixin,
)
from sqlmodel_crud_utils.tracking import TrackChangesMixin


class MxNote(AuditMixin, SQLModel, table=True):
    __tablename__ = "mx_notes"

    id: int | None = Field(default=None, primary_key=True)
    body: str = ""


class MxPost(SQLModel, SoftDeleteMixin, AuditMixin, table=True):
    __tablename__ = "mx_posts"

    id: int | None = Field(default=None, primary_key=True)
    title: str = ""


class MxAwareNote(AwareAuditMixin, AwareSoftDeleteMixin, SQLModel, table=True):
    __tablename__ = "mx_aware_notes"

    id: int | None = Field(default=None, primary_key=True)
    body: str = ""


class MxStamped(SQLModel, TimestampMixin, table=True):
    __tablename__ = "mx_stamped"

    id: int | None = Field(default=None, primary_key=True)
    label: str = ""


class MxToken(UUIDPrimaryKeyMixin, SQLModel, table=True):
    __tablename__ = "mx_tokens"

    label: str = ""


class MxDoc(VersionMixin, SQLModel, table=True):
    __tablename__ = "mx_docs"

    id: int | None = Field(default=None, primary_key=True)
    title: str = ""


class TrkAccount(TrackChangesMixin, SQLModel, table=True):
    __tablename__ = "trk_accounts"
    __track_exclude__ = ("secret",)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    balance: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(12, 2)))
    ref: uuid.UUID | None = None
    secret: str = ""


class TrkTask(SQLModel, TrackChangesMixin, AuditMixin, SoftDeleteMixin, table=True):
    __tablename__ = "trk_tasks"

    id: int | None = Field(default=None, primary_key=True)
    title: str = ""
    done: bool = False


class TrkPlain(SQLModel, table=True):
    __tablename__ = "trk_plain"

    id: int | None = Field(default=None, primary_key=True)
    name: str = ""


class TrkPair(TrackChangesMixin, SQLModel, table=True):
    __tablename__ = "trk_pairs"

    left: int = Field(primary_key=True)
    right: str = Field(primary_key=True)
    value: str = ""
