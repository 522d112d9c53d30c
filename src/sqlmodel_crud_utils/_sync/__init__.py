# This file is generated from src/sqlmodel_crud_utils/_async/__init__.py by scripts/unasync.py. Do not edit it by hand.
"""Async sources of the I/O code; the sync twin in ``_sync`` is generated from them."""
