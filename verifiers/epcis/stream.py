"""Read an EPCIS JSON-LD document one event at a time, in bounded memory.

A partner's file can hold hundreds of thousands of events (68 MB); parsing it whole took
525 MB and minutes with nothing on screen. :func:`stream_events` parses the top-level object
and ``epcisBody`` member by member and yields the events of ``epcisBody.eventList`` one by
one: memory is one event plus a read buffer, whatever the file size. The header (every
top-level member but ``epcisBody``, ``@context`` included, which the event hash needs) is read
first by :func:`read_header`, so its members may come in any order.

The JSON rules are those of the ledger (``ledger.canonical.parse_json_strict``): duplicate
keys and NaN/Infinity are refused. :func:`check_events` validates and hashes the events as
they stream (schema errors per event, with their real index in the path), the streaming twin of
``verifiers.epcis.capture.check_capture_document``.

Left out: the query-document shapes (``queryResults``, a single ``event``) that the whole-
document reader accepts: capture takes an ``EPCISDocument`` with an ``eventList``.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ledger.canonical import strict_json_decoder
from ledger.errors import EncodingError
from verifiers.epcis.event_hash import HashContext, event_hash
from verifiers.epcis.schema import schema_errors

__all__ = [
    "CheckedEvent",
    "StreamError",
    "check_events",
    "header_errors",
    "read_header",
    "stream_events",
]

CHUNK_BYTES = 1 << 16
BATCH_EVENTS = 100
"""Events validated together (memory: this many events; speed: one schema pass per batch)."""
MAX_VALUE_BYTES = 8 << 20
"""A single event or header member larger than this is refused (it would be held whole)."""

Progress = Callable[[int], None]
"""Called with the number of bytes read so far."""


class StreamError(ValueError):
    """The file is not a JSON object with an ``epcisBody.eventList``, or not strict JSON."""


class _Reader:
    """A text buffer over a binary file that decodes one JSON value at a time."""

    def __init__(self, handle: BinaryIO, on_bytes: Progress | None) -> None:
        self._handle = handle
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._decoder = strict_json_decoder()
        self._fast = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._read = 0
        self._on_bytes = on_bytes

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._handle.read(CHUNK_BYTES)
        self._read += len(chunk)
        if self._on_bytes is not None:
            self._on_bytes(self._read)
        if self._pos > CHUNK_BYTES:
            self._buf, self._pos = self._buf[self._pos :], 0
        try:
            self._buf += self._utf8.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise StreamError(f"invalid UTF-8 near byte {self._read}: {exc.reason}") from exc
        self._eof = not chunk
        return bool(chunk)

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file), not consumed."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise StreamError(f"expected {char!r} near byte {self._read}, found {found or 'EOF'!r}")
        self._pos += 1

    def value(self, *, strict: bool = True) -> Any:
        """Decode the next JSON value (``strict=False``: the C decoder, for values that are
        only skipped here and decoded strictly by another pass)."""
        self.peek()
        decoder = self._decoder if strict else self._fast
        while True:
            try:
                value, end = decoder.raw_decode(self._buf, self._pos)
            except EncodingError as exc:
                raise StreamError(str(exc)) from exc
            except ValueError as exc:
                if len(self._buf) - self._pos > MAX_VALUE_BYTES:
                    raise StreamError(
                        f"a value near byte {self._read} is larger than {MAX_VALUE_BYTES} bytes"
                    ) from exc
                if not self._fill():
                    raise StreamError(f"invalid JSON near byte {self._read}: {exc}") from exc
                continue
            if end == len(self._buf) and not self._eof and self._fill():
                continue  # a number may go on in the next chunk
            self._pos = end
            return value

    def members(self) -> Iterator[str]:
        """Iterate the keys of an object; the caller consumes each member's value."""
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise StreamError(f"expected an object key near byte {self._read}")
            self.expect(":")
            yield key
            if self.peek() == ",":
                self._pos += 1
                continue
            self.expect("}")
            return

    def items(self, *, strict: bool = True) -> Iterator[Any]:
        """Decode the elements of an array one by one."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value(strict=strict)
            if self.peek() == ",":
                self._pos += 1
                continue
            self.expect("]")
            return

    def end(self) -> None:
        if self.peek() != "":
            raise StreamError(f"unexpected data after the document near byte {self._read}")


def _walk(
    handle: BinaryIO, on_bytes: Progress | None, header: dict[str, Any] | None
) -> Iterator[dict[str, Any]]:
    """Yield the events; fill ``header`` (top-level members) and ``header['epcisBody']``
    (the body's other members) as they are met."""
    reader = _Reader(handle, on_bytes)
    if reader.peek() != "{":
        raise StreamError("expected a JSON object (an EPCISDocument)")
    seen_body = False
    for key in reader.members():
        if key != "epcisBody":
            value = reader.value()
            if header is not None:
                header[key] = value
            continue
        if reader.peek() != "{":
            raise StreamError("the epcisBody must be an object")
        seen_body = True
        body: dict[str, Any] = {}
        has_list = False
        for body_key in reader.members():
            if body_key != "eventList":
                body[body_key] = reader.value()
                continue
            has_list = True
            if reader.peek() != "[":
                raise StreamError("the eventList must be a list of event objects")
            # The header pass skips events with the C decoder; the event pass is strict.
            for event in reader.items(strict=header is None):
                if not isinstance(event, dict):
                    raise StreamError("the eventList must be a list of event objects")
                yield event
        if not has_list:
            raise StreamError("the epcisBody has no eventList")
        if header is not None:
            header["epcisBody"] = body
    reader.end()
    if not seen_body:
        raise StreamError("the document has no epcisBody object")


def read_header(path: Path, on_bytes: Progress | None = None) -> dict[str, Any]:
    """Every top-level member but the events: ``epcisBody`` holds the body's other members.

    Reads (and checks) the whole file, keeping no event.

    Raises:
        StreamError: not a strict-JSON object with an ``epcisBody.eventList``.
    """
    header: dict[str, Any] = {}
    with path.open("rb") as handle:
        for _event in _walk(handle, on_bytes, header):
            pass
    return header


def stream_events(path: Path, on_bytes: Progress | None = None) -> Iterator[dict[str, Any]]:
    """The events of ``epcisBody.eventList``, one at a time, in document order.

    Raises:
        StreamError: as :func:`read_header` (when the bad part is reached).
    """
    with path.open("rb") as handle:
        yield from _walk(handle, on_bytes, None)


@dataclass
class CheckedEvent:
    """One streamed event, its hash (``None`` when it cannot be hashed) and its schema errors."""

    index: int
    event: dict[str, Any]
    event_hash: str | None
    errors: list[tuple[str, str]] = field(default_factory=list)


def check_events(
    path: Path, header: dict[str, Any], on_bytes: Progress | None = None, prefix: str = ""
) -> Iterator[CheckedEvent]:
    """Validate and hash each event against the EPCIS 2.0.1 schema, streaming.

    Events are validated :data:`BATCH_EVENTS` at a time inside a copy of the header
    (``{…header, epcisBody: {…, eventList: [batch]}}``), so the schema sees what it sees in the
    whole document and its per-document work is paid once per batch, not per event; errors
    under ``epcisBody.eventList.<j>`` are reported with the event's real index, and errors of
    the header itself with the first batch only. At most ``MAX_SCHEMA_ERRORS`` errors are
    kept per batch.
    """
    context = HashContext.from_context(header.get("@context"))
    batch: list[tuple[int, dict[str, Any]]] = []
    for index, event in enumerate(stream_events(path, on_bytes)):
        batch.append((index, event))
        if len(batch) == BATCH_EVENTS:
            yield from _check_batch(batch, header, context, prefix)
            batch = []
    if batch:
        yield from _check_batch(batch, header, context, prefix)


def _check_batch(
    batch: list[tuple[int, dict[str, Any]]],
    header: dict[str, Any],
    context: HashContext,
    prefix: str,
) -> Iterator[CheckedEvent]:
    first = batch[0][0]
    body = header.get("epcisBody") or {}
    head = {k: v for k, v in header.items() if k != "epcisBody"}
    document = {**head, "epcisBody": {**body, "eventList": [event for _, event in batch]}}
    marker = f"{prefix}epcisBody.eventList."
    by_event: dict[int, list[tuple[str, str]]] = {}
    for where, reason in schema_errors(document, prefix):
        position, _, rest = where[len(marker) :].partition(".")
        if where.startswith(marker) and position.isdigit():
            index = first + int(position)
            path = f"{marker}{index}" + (f".{rest}" if rest else "")
            by_event.setdefault(index, []).append((path, reason))
        elif first == 0:
            by_event.setdefault(0, []).append((where, reason))
    for index, event in batch:
        errors = by_event.get(index, [])
        try:
            digest: str | None = event_hash(event, context)
        except ValueError as exc:
            digest = None
            errors.append((f"{prefix}epcisBody.eventList.{index}", str(exc)))
        yield CheckedEvent(index, event, digest, errors)


def header_errors(header: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Schema errors of the header alone (checked once, for documents without events)."""
    document = {**header, "epcisBody": {**(header.get("epcisBody") or {}), "eventList": []}}
    return schema_errors(document, prefix)
