"""Pure building blocks shared by the sync and async code: no I/O happens here."""
