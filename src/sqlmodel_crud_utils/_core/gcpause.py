"""Hold Python's cyclic garbage collector off while a bulk call builds its objects (pure).

A bulk write that returns model instances allocates several objects per row
(the instance, its state, its attribute dict, the decoded values) that all
outlive the call.  Allocations trigger the cyclic collector, and with many
objects alive its full collections walk every one of them: a process
holding a few hundred thousand objects pays a large share of such a call in
collections that find nothing to free, since nothing built here is garbage.

The bulk fast paths therefore run each statement (its parameters, its
execution and the instances made from its rows) with the collector paused.
Reference counting still frees everything it frees; cycles created meanwhile
(by this thread or another) wait for the first collection after the pause.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic garbage collector inside the block, if it was enabled.

    Only the caller that found the collector enabled turns it back on, so
    nested or concurrent pauses never leave it off, and an application that
    disabled it keeps it disabled.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
