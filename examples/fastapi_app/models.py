"""Tables and request/response schemas of the example application."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from sqlmodel_crud_utils import soft_delete_unique_index
from sqlmodel_crud_utils.mixins import AuditMixin, SoftDeleteMixin


class User(AuditMixin, SoftDeleteMixin, SQLModel, table=True):
    """A user; deleting one only marks it deleted, and its e-mail is unique among live users."""

    __tablename__ = "app_users"
    __table_args__ = (soft_delete_unique_index("uq_app_users_email_live", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200)
    name: str = Field(max_length=100)


class Post(AuditMixin, SQLModel, table=True):
    """A post written by a user."""

    __tablename__ = "app_posts"

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="app_users.id", index=True)
    title: str = Field(max_length=200)
    body: str = ""


class AuditEntry(SQLModel, table=True):
    """One change, written by a lifecycle hook in the transaction of the change itself."""

    __tablename__ = "app_audit_log"

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=20)
    entity: str = Field(max_length=50)
    entity_id: int
    actor: str | None = Field(default=None, max_length=100)


# ------------------------------------------------------------------ request and response bodies


class UserCreate(BaseModel):
    email: str
    name: str


class UserRead(BaseModel):
    id: int
    email: str
    name: str
    created_at: datetime
    created_by: str | None


class PostCreate(BaseModel):
    title: str
    body: str = ""


class PostRead(BaseModel):
    id: int
    author_id: int
    title: str
    body: str


class AuditRead(BaseModel):
    id: int
    action: str
    entity: str
    entity_id: int
    actor: str | None


ItemT = TypeVar("ItemT")


class PageOut(BaseModel, Generic[ItemT]):
    """One page of a list, as returned by ``QueryBuilder.paginate``."""

    items: list[ItemT]
    page: int
    page_size: int
    total: int | None
    pages: int | None
    has_next: bool
