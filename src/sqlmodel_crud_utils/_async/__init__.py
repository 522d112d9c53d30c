"""Async sources of the I/O code; the sync twin in ``_sync`` is generated from them."""
