"""Lifecycle hooks writing an audit trail in the same transaction as each change.

Run it with ``python examples/audit_hooks.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlmodel import Field, SQLModel

from sqlmodel_crud_utils import (
    DBConfig,
    HookContext,
    create_engine_from_config,
    delete_row,
    get_rows,
    hook,
    session_scope,
    update_row,
    write_row,
)


class Account(SQLModel, table=True):
    __tablename__ = "example_accounts"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True)
    plan: str = "free"


class AuditEntry(SQLModel, table=True):
    __tablename__ = "example_audit"

    id: int | None = Field(default=None, primary_key=True)
    action: str
    account_id: int
    detail: str = ""


@hook(Account, "before_create", "before_update")
def normalise_email(ctx: HookContext) -> None:
    """Before hooks may change what is written."""
    for account in ctx.rows:
        account.email = account.email.strip().lower()
    if ctx.data and "email" in ctx.data:
        ctx.data["email"] = ctx.data["email"].strip().lower()


@hook(Account, "after_create", "after_update", "after_delete")
def audit(ctx: HookContext) -> None:
    """After hooks run before the commit: the audit row commits with the change."""
    for account in ctx.rows:
        ctx.session.add(
            AuditEntry(
                action=ctx.event.removeprefix("after_"),
                account_id=account.id,
                detail=repr(ctx.data or {}),
            )
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine_from_config(DBConfig(url=f"sqlite:///{Path(folder) / 'a.db'}"))
        SQLModel.metadata.create_all(
            engine,
            tables=[Account.__table__, AuditEntry.__table__],  # type: ignore[attr-defined]
        )
        with session_scope(engine) as session:
            _, account = write_row(Account(email="  Ada@Example.ORG "), session)
            assert account is not None
            assert account.id is not None
            print("created:", account.email)
            update_row(account.id, {"plan": "pro"}, session, Account)
            # A failing write leaves no audit entry behind: the duplicate e-mail
            # rolls back the insert and the hook's audit row together.
            ok, _ = write_row(Account(email="ada@example.org"), session)
            print("duplicate accepted:", ok)
            delete_row(account.id, session, Account)
            _, entries = get_rows(session, AuditEntry, sort_field="id")
            for entry in entries:
                print(f"audit: {entry.action:<7} account={entry.account_id} {entry.detail}")
            assert [entry.action for entry in entries] == ["create", "update", "delete"]
        engine.dispose()
    print("done")


if __name__ == "__main__":
    main()
