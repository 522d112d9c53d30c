"""The application factory: routes, the session dependency, the audit hooks."""

# No ``from __future__ import annotations``: FastAPI reads the annotations of the route functions,
# which refer to names local to ``create_app``.

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from sqlmodel_crud_utils import (
    DBConfig,
    DuplicateKeyError,
    HookContext,
    a_get_row,
    a_restore_row,
    a_soft_delete_row,
    a_write_row,
    acting_as,
    async_session_dependency,
    create_async_engine_from_config,
    current_user,
    exclude_deleted_rows,
    register_hook,
)
from sqlmodel_crud_utils.a_sync import AsyncQueryBuilder

from .models import (
    AuditEntry,
    AuditRead,
    PageOut,
    Post,
    PostCreate,
    PostRead,
    User,
    UserCreate,
    UserRead,
)

#: The SQLite file used when neither an engine nor a URL is given and the environment names none.
DEFAULT_URL = "sqlite:///fastapi_app.db"

PageNumber = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=100)]


# ------------------------------------------------------------------------------------ audit log


def _audit(ctx: HookContext) -> None:
    """Write one audit entry per changed row, in the transaction of the change."""
    if ctx.event == "after_create":
        action = "create"
    elif ctx.data and "is_deleted" in ctx.data:
        action = "delete" if ctx.data["is_deleted"] else "restore"
    else:
        action = "update"
    for row in ctx.rows:
        ctx.session.add(
            AuditEntry(
                action=action,
                entity=ctx.model.__tablename__,
                entity_id=row.id,
                actor=current_user(),
            )
        )


# Hooks are registered per model class for the whole process: once, when this module is imported.
for _model in (User, Post):
    for _event in ("after_create", "after_update"):
        register_hook(_model, _event, _audit)
exclude_deleted_rows(User)  # every read leaves soft-deleted users out


# ------------------------------------------------------------------------------------ the app


def create_app(database_url: str | None = None, *, engine: AsyncEngine | None = None) -> FastAPI:
    """Build the application.

    Args:
        database_url: The database to use; by default ``DBConfig()`` reads
            ``SCU_DATABASE_URL`` / ``DATABASE_URL``, falling back to :data:`DEFAULT_URL`.
        engine: An async engine to use instead (the caller keeps ownership of it).

    Returns:
        The FastAPI application.  Its lifespan creates the tables and disposes of an engine it
        created itself.
    """
    owns_engine = engine is None
    if engine is None:
        if database_url is not None:
            config = DBConfig(url=database_url)
        elif any(os.environ.get(name) for name in ("SCU_DATABASE_URL", "DATABASE_URL")):
            config = DBConfig()
        else:
            config = DBConfig(url=DEFAULT_URL)
        engine = create_async_engine_from_config(config)
    bound_engine: AsyncEngine = engine

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with bound_engine.begin() as conn:
            tables = [model.__table__ for model in (User, Post, AuditEntry)]  # type: ignore[union-attr]
            await conn.run_sync(SQLModel.metadata.create_all, tables=tables)
        yield
        if owns_engine:
            await bound_engine.dispose()

    app = FastAPI(title="sqlmodel-crud-utilities example", lifespan=lifespan)
    get_session = async_session_dependency(bound_engine)

    async def actor(x_user: Annotated[str | None, Header()] = None) -> AsyncIterator[str | None]:
        """Attribute the request's writes (``created_by``, audit entries) to ``X-User``."""
        with acting_as(x_user):
            yield x_user

    Session = Annotated[AsyncSession, Depends(get_session)]
    Actor = Annotated[str | None, Depends(actor)]

    @app.exception_handler(DuplicateKeyError)
    async def duplicate(_request: Request, exc: DuplicateKeyError) -> JSONResponse:
        return JSONResponse({"detail": "already exists"}, status_code=status.HTTP_409_CONFLICT)

    async def live_user(session: AsyncSession, user_id: int) -> User:
        found, user = await a_get_row(user_id, session, User)
        if not found or user is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
        return user

    @app.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserRead)
    async def create_user(body: UserCreate, session: Session, _actor: Actor) -> Any:
        _, user = await a_write_row(User(**body.model_dump()), session, raise_on_error=True)
        return user

    @app.get("/users", response_model=PageOut[UserRead])
    async def list_users(session: Session, page: PageNumber = 1, page_size: PageSize = 20) -> Any:
        users: AsyncQueryBuilder[User] = AsyncQueryBuilder(session, User).order_by("id")
        return await users.paginate(page=page, page_size=page_size)

    @app.get("/users/{user_id}", response_model=UserRead)
    async def read_user(user_id: int, session: Session) -> Any:
        return await live_user(session, user_id)

    @app.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_user(user_id: int, session: Session, who: Actor) -> None:
        await live_user(session, user_id)
        ok, _ = await a_soft_delete_row(user_id, session, User, deleted_by=who)
        if not ok:
            raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, "delete failed")

    @app.post("/users/{user_id}/restore", response_model=UserRead)
    async def restore_user(user_id: int, session: Session, _actor: Actor) -> Any:
        ok, user = await a_restore_row(user_id, session, User)
        if user is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
        if not ok:  # another live user took the e-mail meanwhile
            raise HTTPException(status.HTTP_409_CONFLICT, "e-mail in use")
        return user

    @app.post(
        "/users/{user_id}/posts", status_code=status.HTTP_201_CREATED, response_model=PostRead
    )
    async def create_post(user_id: int, body: PostCreate, session: Session, _actor: Actor) -> Any:
        await live_user(session, user_id)
        _, post = await a_write_row(
            Post(author_id=user_id, **body.model_dump()), session, raise_on_error=True
        )
        return post

    @app.get("/posts", response_model=PageOut[PostRead])
    async def list_posts(
        session: Session,
        author_id: int | None = None,
        page: PageNumber = 1,
        page_size: PageSize = 20,
    ) -> Any:
        posts: AsyncQueryBuilder[Post] = AsyncQueryBuilder(session, Post).order_by("id", desc=True)
        if author_id is not None:
            posts = posts.where(author_id=author_id)
        return await posts.paginate(page=page, page_size=page_size)

    @app.get("/audit", response_model=PageOut[AuditRead])
    async def audit_log(session: Session, page: PageNumber = 1, page_size: PageSize = 50) -> Any:
        entries: AsyncQueryBuilder[AuditEntry] = AsyncQueryBuilder(session, AuditEntry).order_by(
            "id"
        )
        return await entries.paginate(page=page, page_size=page_size)

    return app
