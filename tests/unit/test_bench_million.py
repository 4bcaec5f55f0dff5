"""The ``--million`` benchmark ledger has the issue's composition and is a valid ledger, and
the benchmark ledgers are certified as the docs say.

One unit is a thousandth of it: if one unit's counts are off, the 1,000,000-entry run (which
takes minutes) would print figures for a ledger other than the one it names. Certification
matters as much: with no plot verified every shipped lot fails at its first plot, and
compute would be timed on a walk that stops there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest

from api.services.ledger import full_registry
from bench.bench_indicators import _batches, _million_batches, _parse_args, certified_share
from bench.bulk import LedgerBuilder
from ledger.statements import SignedStatement
from verifiers.indicators import compute_figures
from verifiers.indicators.disclosure import publish


def test_one_unit_is_a_thousandth_of_the_issue_ledger() -> None:
    setup, unit = _million_batches(1)
    builder = LedgerBuilder(full_registry())
    builder.add_all([*setup, *unit])  # admitted by every rule, as append would
    types = Counter(signed.statement.type for signed in unit)
    assert types["evidence.recorded"] == 60 * 10  # every plot's ten criteria
    assert types["verification.issued"] == 1  # one group certificate naming them all
    assert len(unit) == 1004 + 601
    assert types["producer.registered"] == 50
    assert types["plot.registered"] == 60
    assert types["lot.harvested"] == 500
    assert types["lot.transformed"] == 250 + 125 + 13 + 2 + 1 + 1  # pairs, pairs, tens, pack
    assert types["lot.shipped"] == types["lot.received"] == 1
    plots = Counter(s.statement.body["producer_id"] for s in unit
                    if s.statement.type == "plot.registered")  # fmt: skip
    assert sorted(Counter(plots.values()).items()) == [(1, 40), (2, 10)]
    delivered = Counter(s.statement.body["origins"][0]["plot_id"] for s in unit
                        if s.statement.type == "lot.harvested")  # fmt: skip
    assert len(delivered) == 60 and set(delivered.values()) == {8, 9}


def _published(batches: Iterable[list[SignedStatement]]) -> dict[str, Any]:
    """The published figures of a benchmark ledger on its statements' day."""
    builder = LedgerBuilder(full_registry())
    for batch in batches:
        builder.add_all(batch)
    return publish(compute_figures(builder.state, date(2026, 3, 1)), has_people=False)


def _totals(figures: dict[str, Any]) -> Counter[str]:
    found: Counter[str] = Counter()
    for cell in figures["cells"]:
        for name in ("plots", "plots_verified", "lots_shipped", "eligible_lots_shipped"):
            found[name] += cell[name]
    return found


def test_four_units_in_five_ship_an_eligible_lot() -> None:
    """Every plot of four units in five is certified; the fifth leaves one plot out, so its
    blend of every delivery is not eligible."""
    figures = _published(_million_batches(5))
    assert _totals(figures) == Counter(
        plots=300, plots_verified=299, lots_shipped=5, eligible_lots_shipped=4
    )
    assert certified_share(figures) == (
        "Certified: 299 of 300 plots (2,477.90 of 2,486.18 ha) verified on the report date; "
        "4 of 5 shipped lots eligible (80%)."
    )


def test_four_chains_in_five_ship_an_eligible_lot() -> None:
    totals = _totals(_published(_batches(5, 1)))
    assert totals == Counter(plots=50, plots_verified=49, lots_shipped=5, eligible_lots_shipped=4)


def test_without_certification_no_lot_is_eligible() -> None:
    totals = _totals(_published(_batches(2, 1, certified=False)))
    assert totals == Counter(plots=20, lots_shipped=2)


def test_postgres_only_with_the_million_ledger(capsys: pytest.CaptureFixture[str]) -> None:
    """``--postgres`` loads the ``--million`` ledger into PostgreSQL; alone it is refused
    with a message naming the option (argparse's exit 2), not silently run on SQLite."""
    with pytest.raises(SystemExit) as refused:
        _parse_args(["--postgres"])
    assert refused.value.code == 2
    assert "--postgres: only with --million" in capsys.readouterr().err
    assert _parse_args(["--million", "--postgres", "--scale", "0.05"]).postgres is True
