"""``State.get_fields`` on SQLite, PostgreSQL and in memory: the values at dotted paths are
exactly what decoding the whole documents gives — strings with quotes and accents, integers
beyond 2**53, floats whose shortest text needs 17 digits, booleans, nulls, lists and
objects, paths that lead nowhere — for chosen keys (present or not) and for every document
of a kind; and with a sealer, a row changed behind the ledger's back is refused, as
``get`` refuses it. Nothing here is committed: each SQL test ends its append transaction
with an exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.services.ledger import LedgerService, projection_key
from ledger.errors import TamperedDataError
from ledger.state import InMemoryState, State, fields_of
from ledger.storage.sql import SqlLedgerStore
from ledger.storage.sql.store import SqlCursor, SqlState
from tests.helpers_storage import raw_update_document

DOCS: dict[str, dict[str, Any]] = {
    "a": {
        "name": 'Café "La Sierra" — ñandú',
        "area_ha": 0.30000000000000004,
        "tiny": 1e-05,
        "big": 2**63 - 1,
        "flag": True,
        "none": None,
        "harvest": {"from": "2026-01-15", "to": "2026-01-20"},
        "list": [1, "two", {"three": 3.5}],
    },
    "b": {"name": "b", "area_ha": 9.440000000000001, "flag": False, "harvest": None},
    "c": {"name": "c", "area_ha": -0.0, "harvest": {"from": "2025-12-01"}},
}
PATHS = ["name", "area_ha", "tiny", "big", "flag", "none", "harvest.from", "harvest.to",
         "list", "harvest", "missing.deeper"]  # fmt: skip


class _DiscardError(Exception):
    """Rolls the test's transaction back."""


def _fill(state: State) -> None:
    for seq, (key, doc) in enumerate(sorted(DOCS.items())):
        state.put("doc", key, doc, seq + 1)
    state.put("other", "a", {"name": "not this kind"}, 10)


def _expected(keys: list[str] | None, paths: list[str]) -> dict[str, list[Any]]:
    memory = InMemoryState()
    _fill(memory)
    return fields_of(memory, "doc", keys, paths)


def _check(state: State) -> None:
    every = state.get_fields("doc", None, PATHS)
    assert every == _expected(None, PATHS)
    assert list(every) == ["a", "b", "c"]
    assert every["a"][:6] == [DOCS["a"][k] for k in PATHS[:6]]
    assert every["a"][6:8] == ["2026-01-15", "2026-01-20"]
    assert every["b"][6:8] == [None, None] and every["c"][6:8] == ["2025-12-01", None]
    assert every["a"][-1] is None
    chosen = state.get_fields("doc", ["c", "absent", "a", "c"], ["harvest.from", "name"])
    assert chosen == {"a": ["2026-01-15", DOCS["a"]["name"]], "c": ["2025-12-01", "c"]}
    assert state.get_fields("doc", ["b"], ["area_ha"]) == {"b": [9.440000000000001]}
    assert state.get_fields("doc", ["a"], []) == {"a": []}
    assert state.get_fields("doc", [], ["name"]) == {}
    with pytest.raises(ValueError, match="dotted names"):
        state.get_fields("doc", ["a"], ['name"), ("x'])


def test_in_memory() -> None:
    state = InMemoryState()
    _fill(state)
    _check(state)


def test_sql_extracts_what_decoding_gives(sql_store: SqlLedgerStore) -> None:
    with pytest.raises(_DiscardError), sql_store.appending() as tx:
        _fill(tx.state)  # buffered: get_fields flushes them first, as get_many does
        _check(tx.state)
        raise _DiscardError


def test_a_sealed_read_refuses_a_changed_row(db_url: str, tmp_path: Path) -> None:
    service = LedgerService.open(db_url, seal_key=projection_key(tmp_path / "data"))
    try:
        sealer = service.store.sealer
        with service.engine.begin() as conn:
            writer = SqlState(SqlCursor(conn), sealer)
            _fill(writer)
            writer.flush()

        def rename(doc: dict[str, Any]) -> None:
            doc["name"] = "changed"

        with service.store.reading() as cursor:
            state = SqlState(cursor, sealer)
            assert state.get_fields("doc", ["a", "b"], ["name"]) == {
                "a": [DOCS["a"]["name"]],
                "b": ["b"],
            }
        raw_update_document(service.engine, "doc", "b", rename)
        for keys in (["b"], None):
            with service.store.reading() as cursor:
                with pytest.raises(TamperedDataError, match="doc/b does not match its seal"):
                    SqlState(cursor, sealer).get_fields("doc", keys, ["name"])
                # Unsealed (the indicators' reads), the changed value is what is read.
                assert SqlState(cursor).get_fields("doc", keys, ["name"])["b"] == ["changed"]
    finally:
        service.close()
