"""Streaming EPCIS reader (``verifiers.epcis.stream``): the same hashes and schema errors as
the whole-document functions, in any member order, with the ledger's strict JSON rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.canonical import parse_json_strict
from tests.oracles import oracles_dir
from verifiers.epcis import stream
from verifiers.epcis.event_hash import document_event_hashes
from verifiers.epcis.schema import schema_errors
from verifiers.epcis.stream import StreamError, check_events, read_header, stream_events

ORACLES = oracles_dir() / "epcis-hash"


def _documents() -> list[Path]:
    found = []
    for path in sorted(ORACLES.rglob("*.json*")):
        try:
            document = parse_json_strict(path.read_bytes())
            document_event_hashes(document)
        except Exception:  # noqa: S112 - not a capturable document: not what this test is about
            continue
        if isinstance(document.get("epcisBody"), dict) and "eventList" in document["epcisBody"]:
            found.append(path)
    return found


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name)
def test_streamed_hashes_and_errors_equal_the_whole_document(path: Path) -> None:
    document = parse_json_strict(path.read_bytes())
    checked = list(check_events(path, read_header(path)))
    assert [c.event_hash for c in checked] == document_event_hashes(document)
    streamed = sorted({e for c in checked for e in c.errors})
    assert streamed == schema_errors(document)


def test_members_in_any_order_and_a_small_read_buffer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "CHUNK_BYTES", 7)  # values straddle every chunk boundary
    source = _documents()[0]
    document = parse_json_strict(source.read_bytes())
    reordered = {"epcisBody": document["epcisBody"]}
    reordered.update({k: v for k, v in document.items() if k != "epcisBody"})
    path = tmp_path / "reordered.json"
    path.write_text(json.dumps(reordered, indent=1), encoding="utf-8")
    header = read_header(path)
    assert "@context" in header and "eventList" not in header["epcisBody"]
    hashes = [c.event_hash for c in check_events(path, header)]
    assert hashes == document_event_hashes(document)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"epcisBody": {"eventList": [{"type": "ObjectEvent", "type": "X"}]}}', "duplicate"),
        ('{"epcisBody": {"eventList": [{"quantity": NaN}]}}', "NaN"),
        ('{"epcisBody": {"eventList": [{"type": "ObjectEvent"}', "expected ']'.*found 'EOF'"),
        ('{"epcisBody": {"eventList": [{"type": ObjectEvent}]}}', "invalid JSON"),
        ('[{"type": "ObjectEvent"}]', "expected a JSON object"),
        ('{"epcisBody": {"events": []}}', "no eventList"),
        ('{"type": "EPCISDocument"}', "no epcisBody"),
        ('{"epcisBody": {"eventList": [1]}}', "list of event objects"),
        ('{"epcisBody": {"eventList": []}} {}', "unexpected data"),
    ],
)
def test_malformed_files_raise_stream_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StreamError, match=message):
        list(stream_events(path))
