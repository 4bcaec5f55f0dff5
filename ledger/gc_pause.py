"""Pausing Python's cycle collector around a batch computation that allocates much and frees
nothing cyclic.

A full collection walks every tracked object in the process — in a server or a CLI, tens of
thousands from the imported libraries alone, in a benchmark or a verifier also the ledger held
in memory — and one is triggered every few tens of thousands of objects that survive a young
collection. Judging eligibility or counting indicators decodes hundreds of thousands of
projection documents that live a little while and are freed by reference counting, so those
full collections find nothing and, on the 2-vCPU session machine, took a fifth to a third of
the indicators computation at 40,804 entries (two collections of about 0.1 s each,
2026-12-07), and more as the heap grows. Reference counting still frees every acyclic object
while paused; a cycle made meanwhile is collected after.

Left out: which computations pause (their callers say why).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_cycle_collector"]

_lock = threading.Lock()
_pausers = 0
_was_enabled = False


@contextmanager
def paused_cycle_collector() -> Iterator[None]:
    """Disable the cycle collector for the block, then restore it as it was.

    Nested and concurrent blocks (threads of one server) share the pause: the collector is
    re-enabled when the last block exits, and only if it was enabled when the first entered.
    """
    global _pausers, _was_enabled  # noqa: PLW0603 - one process-wide switch, guarded by _lock
    with _lock:
        if _pausers == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausers += 1
    try:
        yield
    finally:
        with _lock:
            _pausers -= 1
            if _pausers == 0 and _was_enabled:
                gc.enable()
