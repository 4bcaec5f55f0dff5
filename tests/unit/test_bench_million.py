"""The ``--million`` benchmark ledger has the issue's composition and is a valid ledger.

One unit is a thousandth of it: if one unit's counts are off, the 1,000,000-entry run (which
takes minutes) would print figures for a ledger other than the one it names.
"""

from __future__ import annotations

from collections import Counter

from api.services.ledger import full_registry
from bench.bench_indicators import _million_batches
from bench.bulk import LedgerBuilder


def test_one_unit_is_a_thousandth_of_the_issue_ledger() -> None:
    setup, unit = _million_batches(1)
    builder = LedgerBuilder(full_registry())
    builder.add_all([*setup, *unit])  # admitted by every rule, as append would
    types = Counter(signed.statement.type for signed in unit)
    assert types["producer.registered"] == 50
    assert types["plot.registered"] == 60
    assert types["lot.harvested"] == 500
    assert types["lot.transformed"] == 250 + 125 + 13 + 2 + 1 + 1  # pairs, pairs, tens, pack
    assert types["lot.shipped"] == types["lot.received"] == 1
    assert len(unit) == 1004
    plots = Counter(s.statement.body["producer_id"] for s in unit
                    if s.statement.type == "plot.registered")  # fmt: skip
    assert sorted(Counter(plots.values()).items()) == [(1, 40), (2, 10)]
    delivered = Counter(s.statement.body["origins"][0]["plot_id"] for s in unit
                        if s.statement.type == "lot.harvested")  # fmt: skip
    assert len(delivered) == 60 and set(delivered.values()) == {8, 9}
