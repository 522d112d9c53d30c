"""The application instance for an ASGI server: ``uvicorn fastapi_app.main:app``.

Run it from the ``examples`` directory; set ``DATABASE_URL`` (for example
``postgresql://user:password@localhost:5432/app``) to use another database than the SQLite file
``fastapi_app.db``.
"""

from .app import create_app

app = create_app()
