"""The indicators' eligibility verdicts judged on more than one core.

Judging the shipped and sold lots is nine tenths of computing the indicators on a large
ledger: each lot's lineage is walked back to its plots and their verifications
(``verifiers.eligibility``, docs/indicators.md). One lot's verdict does not depend on
another's, so the lots can be shared out: worker processes open the same database and judge
their share while this process judges its own, each with the same code.

**Same ledger.** A worker reads after this process began and before it finishes;
``api.services.indicators.compute_indicators`` waits for the workers and only then checks
that the head has not moved since it chose its checkpoint. The ledger only grows, so an
unchanged head means no append happened while any process read, and every process saw the
same state. If an append did happen, the whole computation is done again, as in one process.

**Same answers.** A worker is a fresh interpreter running this module (``python -m``: no
fork of a threaded server, no re-import of the caller's main script), sent the database URL
and its lot ids on stdin, answering the verdicts as JSON on stdout. A worker that fails for
any reason — the database unreachable from a new connection, a lineage that loops, an
answer that is not one verdict per lot asked — has its share judged here again, which gives
the same verdicts or raises the same error as judging in one process. Contiguous shares of
the sorted lot ids keep lots that share inputs (neighbouring blends of one association) in
one process, where one memo reads them once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.engine import Engine, make_url

from ledger.gc_pause import paused_cycle_collector
from ledger.state import State
from ledger.storage.sql import SqlLedgerStore
from ledger.storage.sql.engine import create_ledger_engine
from ledger.storage.sql.store import SqlState
from verifiers.eligibility import eligible_lots

MIN_SHARE = 16
"""Fewer lots than this per process are judged in one: starting an interpreter (about half
a second here) costs more than a few lineages."""


WHOLE_GRAPH_FROM = 100
"""From this many lots judged, on PostgreSQL, each process reads the lot graph's links
whole (``eligible_lots(..., whole_graph=True)``: two scans, about 1.5 s on the 1.6-million-
entry benchmark ledger) rather than by a recursive query per lot (about 13 ms of the
server's time for a lineage of 891 links). SQLite answers its queries in-process and is no
faster with scans (docs/indicators.md)."""


class WorkerFailedError(RuntimeError):
    """A worker exited with an error or answered something other than the verdicts asked."""


def shareable_url(engine: Engine) -> str | None:
    """The URL another process opens to read ``engine``'s database, password included (it
    only goes to a child process, on its stdin); ``None`` for an in-memory SQLite database."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def judge_share(
    database_url: str, lot_ids: list[str], *, whole_graph: bool = False
) -> dict[str, bool]:
    """``eligible_lots`` over one read of the database at ``database_url`` (what a worker
    runs)."""
    engine = create_ledger_engine(database_url)
    try:
        store = SqlLedgerStore(engine)
        with store.reading() as cursor, paused_cycle_collector():
            return eligible_lots(SqlState(cursor), lot_ids, whole_graph=whole_graph)
    finally:
        engine.dispose()


def _judge_in_worker(database_url: str, lot_ids: list[str], whole_graph: bool) -> dict[str, bool]:
    """Run a worker process for ``lot_ids`` and return its verdicts.

    Raises:
        WorkerFailedError: it failed, or answered other lots or non-boolean verdicts.
    """
    request = {"database_url": database_url, "lot_ids": lot_ids, "whole_graph": whole_graph}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    done = subprocess.run(  # noqa: S603 - this interpreter running this module
        [sys.executable, "-m", __name__],
        input=json.dumps(request).encode(),
        capture_output=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
        raise WorkerFailedError(f"exit {done.returncode}: {last}")
    try:
        verdicts = json.loads(done.stdout)
    except ValueError as exc:
        raise WorkerFailedError(f"not JSON: {exc}") from None
    if (
        not isinstance(verdicts, dict)
        or sorted(verdicts) != lot_ids
        or not all(isinstance(v, bool) for v in verdicts.values())
    ):
        raise WorkerFailedError("the answer is not one verdict per lot asked")
    return verdicts


class SharedJudge:
    """``eligible_lots`` with up to ``workers`` more processes judging shares of the lots
    (a ``verifiers.indicators.figures.Judge``).

    ``judged_elsewhere`` counts the verdicts workers returned and ``failures`` the workers'
    errors (their shares judged here instead): what a test checks to know where the work
    was done. ``whole_graph`` says whether, from ``WHOLE_GRAPH_FROM`` lots, every process
    reads the lot graph whole (on PostgreSQL)."""

    def __init__(self, database_url: str | None, workers: int, min_share: int | None = None):
        self.database_url = database_url
        self.workers = workers if database_url is not None else 0
        self.min_share = max(MIN_SHARE if min_share is None else min_share, 1)
        self.whole_graph = (
            database_url is not None and make_url(database_url).get_backend_name() == "postgresql"
        )
        self.judged_elsewhere = 0
        self.failures: list[str] = []

    def __call__(self, state: State, lot_ids: Iterable[str]) -> dict[str, bool]:
        lots = sorted(set(lot_ids))
        whole = self.whole_graph and len(lots) >= WHOLE_GRAPH_FROM
        processes = min(self.workers + 1, len(lots) // self.min_share)
        if processes < 2 or self.database_url is None:
            return eligible_lots(state, lots, whole_graph=whole)
        shares = [lots[i * len(lots) // processes : (i + 1) * len(lots) // processes]
                  for i in range(processes)]  # fmt: skip
        with ThreadPoolExecutor(processes - 1) as threads:  # each waits on one worker
            pending: list[tuple[list[str], Future[dict[str, bool]]]] = [
                (share, threads.submit(_judge_in_worker, self.database_url, share, whole))
                for share in shares[1:]
            ]
            found = eligible_lots(state, shares[0], whole_graph=whole)
            for share, future in pending:
                try:
                    theirs = future.result()
                except (WorkerFailedError, OSError) as exc:
                    self.failures.append(str(exc))
                    # The same verdicts, or the same error.
                    found.update(eligible_lots(state, share, whole_graph=whole))
                    continue
                self.judged_elsewhere += len(theirs)
                found.update(theirs)
        return found


def _main() -> None:
    """Worker: read ``{"database_url", "lot_ids", "whole_graph"}`` on stdin, write the
    verdicts on stdout."""
    request = json.load(sys.stdin)
    verdicts = judge_share(
        request["database_url"], list(request["lot_ids"]), whole_graph=request["whole_graph"]
    )
    json.dump(verdicts, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    _main()
