"""Audit columns, soft delete, optimistic locking and change history on one model.

Run it with ``python examples/mixins_and_tracking.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlmodel import Field, Session, SQLModel

from sqlmodel_crud_utils import (
    HISTORY_METADATA,
    AuditMixin,
    ConcurrencyError,
    SoftDeleteMixin,
    TrackChangesMixin,
    VersionMixin,
    acting_as,
    create_engine_from_config,
    exclude_deleted_rows,
    get_change_history,
    get_rows,
    register_change_tracking,
    soft_delete_row,
    update_row,
    write_row,
)


class Document(SQLModel, AuditMixin, SoftDeleteMixin, VersionMixin, TrackChangesMixin, table=True):
    __tablename__ = "example_documents"

    id: int | None = Field(default=None, primary_key=True)
    title: str
    body: str = ""


def main() -> None:
    register_change_tracking()
    exclude_deleted_rows(Document)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine_from_config(f"sqlite:///{Path(folder) / 'docs.db'}")
        SQLModel.metadata.create_all(engine, tables=[Document.__table__])  # type: ignore[attr-defined]
        HISTORY_METADATA.create_all(engine)

        with Session(engine) as session, acting_as("ada"):
            _, doc = write_row(Document(title="Plan"), session)
            assert doc is not None
            assert doc.id is not None
            doc_id = doc.id
            print(f"created by {doc.created_by}, version {doc.version}")

        with Session(engine) as session, acting_as("grace"):
            _, doc = update_row(doc_id, {"body": "First draft"}, session, Document)
            assert doc is not None
            print(f"updated by {doc.updated_by}, version {doc.version}")

        # Two editors read version 2; the second save is refused instead of overwriting.
        with Session(engine) as first, Session(engine, expire_on_commit=False) as second:
            mine = first.get(Document, doc_id)
            theirs = second.get(Document, doc_id)
            second.commit()  # end the read; the loaded copy stays at version 2
            assert mine is not None
            assert theirs is not None
            mine.body = "Edited by the first editor"
            first.commit()
            try:
                update_row(doc_id, {"body": "Stale edit"}, second, Document, raise_on_error=True)
            except ConcurrencyError as exc:
                print("stale edit refused:", type(exc).__name__)
            # The refused row was expired: the next call reloads it and applies the edit.
            ok, fresh = update_row(doc_id, {"body": "Edit on fresh data"}, second, Document)
            assert fresh is not None
            print(f"edit after reload accepted: {ok}, version {fresh.version}")

        with Session(engine) as session, acting_as("ada"):
            soft_delete_row(doc_id, session, Document, deleted_by="ada")
            print("visible after soft delete:", get_rows(session, Document)[1])
            _, history = get_change_history(session, Document, doc_id)
            for entry in history:
                changed = ", ".join(sorted(entry["changes"]))
                print(f"history: {entry['operation']:<6} by {entry['changed_by']}: {changed}")
            assert [e["operation"] for e in history] == ["insert"] + ["update"] * 4
        engine.dispose()
    exclude_deleted_rows(Document, enabled=False)
    print("done")


if __name__ == "__main__":
    main()
