"""A small FastAPI application built on sqlmodel-crud-utilities.

Users and their posts, paginated with the query builder; users are soft-deleted and can be
restored; every change writes an audit entry from a lifecycle hook, in the same transaction.

Start it from the ``examples`` directory (uvicorn is not a dependency of the package)::

    pip install "sqlmodel-crud-utilities[async]" fastapi uvicorn
    cd examples
    uvicorn fastapi_app.main:app --reload

The database comes from ``SCU_DATABASE_URL`` / ``DATABASE_URL`` and defaults to the SQLite file
``fastapi_app.db`` in the working directory.
"""

from .app import create_app

__all__ = ["create_app"]
