"""The cycle collector is paused inside ``paused_cycle_collector`` and restored as it was:
re-enabled after the outermost of nested or concurrent blocks, left off if it was off, and
restored when the block raises."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from ledger.gc_pause import paused_cycle_collector


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_restored_after_nested_blocks() -> None:
    gc.enable()
    with paused_cycle_collector():
        assert not gc.isenabled()
        with paused_cycle_collector():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    with paused_cycle_collector():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_restored_when_the_block_raises() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="boom"), paused_cycle_collector():
        raise ValueError("boom")
    assert gc.isenabled()


def test_concurrent_blocks_share_the_pause() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with paused_cycle_collector():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    with paused_cycle_collector():
        pass
    assert not gc.isenabled()  # the other thread's block has not ended
    release.set()
    thread.join(5)
    assert gc.isenabled()
