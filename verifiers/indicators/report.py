"""The indicator report a donor verifies offline: figures, checkpoint and every entry behind them.

One file of JSON lines (``docs/indicators.md``):

* line 1, the header: format and version, the log's origin and operator key id, the signed
  checkpoint, its tree size, the report date and the published figures;
* then one line per entry of the checkpoint's tree, seq 0 to size − 1: ``{"seq", "leaf"}``
  with the leaf's exact bytes as a JSON string.

The evidence is the whole tree, not a selection with inclusion proofs: recomputing the
checkpoint's root from every leaf (RFC 9162, ``ledger.merkle``) proves at once that each
entry is in the log and that none was left out — a withheld certificate revocation or label
revocation would otherwise inflate the figures unseen. The entries are then replayed by the
ledger's own admission rules (``ledger.chain.verify_stored_leaves``: hashes, chain,
signatures, authorization, every rule), and the figures recomputed from the replayed state
by the same code that computed them (``verifiers.indicators.figures``).

Version 3 reports may carry shorter evidence instead of the entries: a ``state.committed``
entry with its inclusion proof in the checkpoint, and the committed projection documents
the figures read (``verifiers.indicators.state_evidence``); header field ``state_entry``.

People figures drawn from off-ledger personal data (women, youth, Indigenous-language
speakers) cannot be recomputed from the ledger: the report carries them under an attestation
signed by the operator key (``verifiers.indicators.attestation``, header field
``people_attestation``, version 2); :func:`check_report` checks that signature, the
disclosure rules and their consistency with the recomputed producer counts, and says what it
cannot check in :data:`CANNOT_CHECK`.

Left out: reading the live ledger (``api.services.indicators``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from ledger.chain import signature_workers, verify_stored_leaves
from ledger.checkpoints import parse_verifier_key, verify_checkpoint
from ledger.errors import LedgerError
from ledger.gc_pause import paused_cycle_collector
from ledger.hashing import leaf_hash
from ledger.keys import key_id, public_key_bytes
from ledger.merkle import root_from_leaf_hashes
from ledger.registry import Registry
from ledger.state import State
from ledger.storage.base import StoredLeaf
from ledger.trust import GENESIS_TYPE, genesis_info
from verifiers.indicators.attestation import check_people_attestation, check_people_consistency
from verifiers.indicators.disclosure import PEOPLE_FIELDS, check_disclosure, publish
from verifiers.indicators.figures import RawFigures, compute_figures
from verifiers.indicators.state_evidence import (
    EvidenceError,
    UncoveredKindError,
    check_state_entry,
    committed_state,
)

__all__ = [
    "CANNOT_CHECK",
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "STATE_REPORT_VERSION",
    "IndicatorCheck",
    "ReportHeader",
    "check_report",
    "report_lines",
]

REPORT_FORMAT = "biotraza-indicators"
REPORT_VERSION = 2
"""2 added ``people_attestation``. A version 1 header still parses, but its figures lack the
fields added since (sales, money, training, Indigenous-language speakers) and fail the
figures step by name."""

STATE_REPORT_VERSION = 3
"""3: the evidence is a state commitment (header ``state_entry``), not every entry."""

CANNOT_CHECK = (
    "people figures (people with data, women, youth, Indigenous-language speakers) come from "
    "personal data kept off the ledger with the producers' consent: they are attested by the "
    "operator key, not recomputed; only the signature, the disclosure rules and their "
    "consistency with the ledger's producer counts are checked",
    "that the report date (as_of) is the one the programme agreed on: it is the publisher's "
    "choice, and every figure is recomputed for it",
)

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class ReportHeader:
    """What the first line of a report says."""

    origin: str
    operator_key_id: str
    tree_size: int
    checkpoint: str
    as_of: str
    figures: dict[str, Any]
    people_attestation: dict[str, str] | None = None
    """The operator's signature over the people figures (``None`` when there are none)."""
    version: int = REPORT_VERSION
    state_entry: dict[str, Any] | None = None
    """Version 3: ``{seq, leaf, inclusion}`` of the ``state.committed`` entry whose leaves
    follow the header (``verifiers.indicators.state_evidence``)."""

    def to_line(self) -> bytes:
        """The header line, newline-terminated (``state_entry`` only in version 3)."""
        doc = {"format": REPORT_FORMAT, **self.__dict__}
        if self.state_entry is None:
            del doc["state_entry"]
        return json.dumps(doc, ensure_ascii=False, sort_keys=True).encode() + b"\n"


def report_lines(header: ReportHeader, leaves: Iterable[StoredLeaf]) -> Iterator[bytes]:
    """The report's bytes: the header, then one line per leaf in seq order."""
    yield header.to_line()
    for row in leaves:
        text = json.dumps(row.leaf_bytes.decode("utf-8"), ensure_ascii=False)
        yield f'{{"seq":{row.seq},"leaf":{text}}}\n'.encode()


@dataclass
class IndicatorCheck:
    """The outcome of checking a report; truthy iff everything held."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    """``(where, why)``, in the order found."""
    header: ReportHeader | None = None
    entries: int = 0
    state_leaves: int = 0
    """Committed documents and links checked (version 3 reports; 0 for full replays)."""
    cannot_check: tuple[str, ...] = CANNOT_CHECK

    def __bool__(self) -> bool:
        return not self.failures

    def fail(self, where: str, why: str) -> None:
        self.failures.append((where, why))

    def to_dict(self) -> dict[str, Any]:
        """JSON form for ``biotraza indicators verify --json``."""
        return {
            "verified": bool(self),
            "failures": [{"where": w, "why": y} for w, y in self.failures],
            "origin": self.header.origin if self.header else None,
            "tree_size": self.header.tree_size if self.header else None,
            "as_of": self.header.as_of if self.header else None,
            "entries": self.entries,
            "state_leaves": self.state_leaves,
            "figures": self.header.figures if self.header else None,
            "cannot_check": list(self.cannot_check),
        }


_STATE_FIELDS = {"format", *ReportHeader.__dataclass_fields__}
_HEADER_FIELDS = _STATE_FIELDS - {"state_entry"}
_V1_FIELDS = _HEADER_FIELDS - {"people_attestation"}
_FIELDS_OF = {1: _V1_FIELDS, REPORT_VERSION: _HEADER_FIELDS, STATE_REPORT_VERSION: _STATE_FIELDS}


def _header(line: bytes) -> ReportHeader:
    """The parsed header line.

    Raises:
        ValueError: not an indicator report header, naming the field.
    """
    try:
        doc = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"the first line is not JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != REPORT_FORMAT:
        raise ValueError(f"format: not a {REPORT_FORMAT} report")
    version = doc.get("version")
    if version not in _FIELDS_OF or isinstance(version, bool):
        raise ValueError(f"version: {version!r}, this verifier reads {sorted(_FIELDS_OF)}")
    expected = _FIELDS_OF[version]
    if set(doc) != expected:
        raise ValueError(f"header fields: {sorted(doc)}, expected {sorted(expected)}")
    types = {"origin": str, "operator_key_id": str, "tree_size": int, "checkpoint": str,
             "as_of": str, "figures": dict}  # fmt: skip
    for name, kind in types.items():
        if not isinstance(doc[name], kind) or isinstance(doc[name], bool):
            raise ValueError(f"{name}: expected {kind.__name__}")
    attestation = doc.get("people_attestation")
    if attestation is not None and not isinstance(attestation, dict):
        raise ValueError("people_attestation: expected an object or null")
    return ReportHeader(
        **{name: doc[name] for name in types},
        people_attestation=attestation,
        version=version,
        state_entry=doc.get("state_entry"),
    )


def _leaves(lines: Iterator[bytes], check: IndicatorCheck) -> Iterator[StoredLeaf]:
    """The entry lines as stored leaves; a malformed line stops the replay with its reason."""
    for number, line in enumerate(lines, start=2):
        try:
            doc = json.loads(line)
            seq, leaf = doc["seq"], doc["leaf"]
            if set(doc) != {"seq", "leaf"} or not isinstance(seq, int) or not isinstance(leaf, str):
                raise ValueError("expected {seq: integer, leaf: string}")
        except (ValueError, KeyError, TypeError) as exc:
            raise LedgerError(f"line {number}: not an entry line ({exc})") from exc
        check.entries += 1
        data = leaf.encode("utf-8")
        yield StoredLeaf(seq, data, bytes(leaf_hash(data)))


def check_report(
    source: bytes | BinaryIO,
    registry: Registry,
    operator_key: str,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> IndicatorCheck:
    """Check a report offline in four steps, failing closed; never raises for bad data.

    1. **checkpoint** — signed by the operator key; origin and tree size are the header's.
    2. **entries** — seq 0 to size − 1, each replayed by the ledger's own rules; genesis
       names the trusted operator key.
    3. **root** — the Merkle root of every leaf is the checkpoint's.
    4. **figures** — recomputed from the replayed state for the report date, equal to the
       header's; people figures obey the disclosure rules and the producer counts.

    Args:
        source: the report's bytes, or a binary file positioned at its start.
        registry: the entry types to judge entries by (the deployment's full registry).
        operator_key: the log operator's C2SP verifier key string (``origin+id+key``).
        workers: processes that check signatures beside the replay, or hash the leaves of
            the short evidence beside their decoding (0: in this one; by default
            ``ledger.chain.signature_workers`` of the tree size or of the leaves, as
            ``biotraza ledger verify`` does).
        progress: called with (entries done, entries in the tree).

    Raises:
        ValueError: ``operator_key`` is not a valid verifier key.
    """
    name, _note_key_id, public = parse_verifier_key(operator_key.strip())
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    check = IndicatorCheck()
    try:
        check.header = header = _header(stream.readline())
    except ValueError as exc:
        check.fail("header", str(exc))
        return check
    try:
        checkpoint = verify_checkpoint(header.checkpoint, name, public, origin=header.origin)
    except (LedgerError, ValueError) as exc:
        check.fail("checkpoint", f"not signed by the operator key you trust: {exc}")
        return check
    if checkpoint.tree_size != header.tree_size:
        check.fail(
            "tree_size", f"header says {header.tree_size}, the checkpoint {checkpoint.tree_size}"
        )
        return check
    try:
        as_of = date.fromisoformat(header.as_of)
    except ValueError:
        check.fail("as_of", f"{header.as_of!r} is not a date (YYYY-MM-DD)")
        return check
    if header.version == STATE_REPORT_VERSION:
        raw = _state_figures(check, header, checkpoint.root_hash, stream, as_of, progress, workers)
        if raw is None:
            return check
        _check_figures(check, header, raw)
        _check_attestation(check, header, public)
        return check
    try:
        replayed = verify_stored_leaves(
            _leaves(iter(stream.readline, b""), check),
            registry,
            workers=signature_workers(header.tree_size) if workers is None else workers,
            on_entry=(lambda seq: progress(seq + 1, header.tree_size)) if progress else None,
        )
    except LedgerError as exc:
        check.fail("entries", str(exc))
        return check
    if replayed.size != header.tree_size:
        check.fail("entries", f"{replayed.size} entries, the checkpoint covers {header.tree_size}")
        return check
    _check_genesis(check, replayed.state, key_id(public))
    if bytes(root_from_leaf_hashes(replayed.leaf_hashes)) != checkpoint.root_hash:
        check.fail("root", "the entries' Merkle root is not the checkpoint's")
        return check
    _check_figures(check, header, compute_figures(replayed.state, as_of))
    _check_attestation(check, header, public)
    return check


def _check_attestation(check: IndicatorCheck, header: ReportHeader, public: Any) -> None:
    if not check.failures and any("people" in r for r in header.figures.get("cells", [])):
        for where, why in check_people_attestation(
            header.people_attestation, public_key_bytes(public), header.origin,
            header.tree_size, header.as_of, header.figures,
        ):  # fmt: skip
            check.fail(where, why)


def _state_figures(
    check: IndicatorCheck,
    header: ReportHeader,
    root_hash: bytes,
    stream: BinaryIO,
    as_of: date,
    progress: ProgressCallback | None,
    workers: int | None,
) -> RawFigures | None:
    """Version 3: the state entry is in the signed tree, the carried leaves are exactly the
    committed ones, and the figures of that state (``None`` after recording a failure).

    The leaves are hashed in worker processes as a replay's signatures are checked (as
    many, by default, for as many leaves as the commitment counts), from the bytes this
    process reads: so a report on a pipe is split as a file is."""

    def counted(done: int) -> None:
        check.state_leaves = done
        if progress is not None:
            progress(done, None)

    # Millions of small dicts and lists that form no cycles: with the collector on, its
    # full passes over the growing heap made loading superlinear (140 s instead of 38 s at
    # 1,000,000 entries, bench.bench_indicators). The state is freed inside the pause: every
    # object allocated during it is still in the youngest generation, and the first
    # allocation after re-enabling would collect that generation whole (0.22 s of 1.3 at
    # 50,204 entries, growing with them) to find nothing; freed by reference counting
    # first, they leave it empty.
    with paused_cycle_collector():
        try:
            _seq, body = check_state_entry(header.state_entry, header.tree_size, root_hash)
            if workers is None:
                workers = signature_workers(
                    sum(body["kinds"].values()) + sum(body["link_kinds"].values())
                )
            state = committed_state(iter(stream.readline, b""), body, counted, workers=workers)
            raw = compute_figures(state, as_of)
            del state
            return raw
        except EvidenceError as exc:
            check.fail(exc.where, str(exc))
        except UncoveredKindError as exc:
            check.fail("figures", f"the figures read {exc}, which the state commitment does "
                       "not cover: compute the report with this version")  # fmt: skip
    return None


def _check_genesis(check: IndicatorCheck, state: State, trusted: str) -> None:
    genesis = genesis_info(state)
    if genesis is None or genesis.get("operator_key_id") != trusted:
        check.fail("genesis", f"{GENESIS_TYPE} names another operator key than the one you "
                   "trust: a report of another ledger")  # fmt: skip


def _check_figures(check: IndicatorCheck, header: ReportHeader, raw: RawFigures) -> None:
    """Ledger figures equal; people figures only within the rules."""
    claimed = header.figures
    has_people = any("people" in row for row in claimed.get("cells", []))
    expected = publish(raw, has_people=has_people)
    for level in ("cells", "landscapes", "products"):
        mine, theirs = expected.get(level, []), claimed.get(level)
        if not isinstance(theirs, list) or len(theirs) != len(mine):
            check.fail(f"figures.{level}", f"{len(mine)} rows recomputed, the report has "
                       f"{len(theirs) if isinstance(theirs, list) else 'none'}")  # fmt: skip
            continue
        for index, (want, got) in enumerate(zip(mine, theirs, strict=True)):
            _compare_row(check, f"figures.{level}[{index}]", want, got)
    for name in ("as_of", "min_cell"):
        if claimed.get(name) != expected[name]:
            check.fail(f"figures.{name}", f"{claimed.get(name)!r}, recomputed {expected[name]!r}")
    for where, why in check_disclosure(claimed):
        check.fail(f"figures.{where}", why)
    if has_people and not check.failures:
        for where, why in check_people_consistency(claimed):
            check.fail(f"figures.{where}", why)


def _compare_row(check: IndicatorCheck, where: str, want: dict[str, Any], got: Any) -> None:
    if not isinstance(got, dict):
        check.fail(where, "not an object")
        return
    for name, value in want.items():
        if name == "people":
            continue
        if got.get(name) != value:
            check.fail(f"{where}.{name}", f"the report says {got.get(name)!r}, the ledger "
                       f"gives {value!r}")  # fmt: skip
    extra = sorted(set(got) - set(want))
    if extra:
        check.fail(where, f"fields the ledger does not give: {extra}")
    if "people" in want:
        _check_people(check, where, want, got.get("people"))


def _check_people(check: IndicatorCheck, where: str, want: dict[str, Any], people: Any) -> None:
    """The shape of a row's people figures; their consistency is checked over all rows."""
    if not isinstance(people, dict) or set(people) != set(PEOPLE_FIELDS):
        check.fail(f"{where}.people", f"expected {{{', '.join(PEOPLE_FIELDS)}}}")
        return
    for name, value in people.items():
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            check.fail(f"{where}.people.{name}", f"{value!r} is not a count")
            return
