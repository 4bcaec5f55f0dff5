"""Offline verification of a trail bundle: no database, no server, only the operator's key.

:func:`check_bundle` reads a bundle line by line (bounded memory apart from the replayed
state) and runs the numbered steps of ``verifiers.audit.report.STEPS``, failing closed:

1. **layout** — the file is this format and version, and every line is exactly what the
   bundle writer (``verifiers.audit.layout``) would write for the values parsed from it.
2. **checkpoint** — a C2SP signed note by the operator key (whose name is the log origin);
   its origin and tree size are the header's, and the header's key id is the key's.
3. **entries** — every leaf is canonical JSON, its seq is the line's, seqs ascend within the
   tree, the stated hash is ``SHA-256(0x00 ‖ leaf)``, and consecutive entries chain by prev.
4. **proofs** — every RFC 9162 inclusion proof leads from the leaf's hash to the
   checkpoint's root (a mismatch is attributed to the leaf, the hash or the proof by which
   of them the proof still agrees with).
5. **genesis** — the bundle holds seq 0 and it names the trusted operator key and origin.
6. –10. **replay** — every entry is admitted again, in seq order, by the ledger's own
   ``ledger.chain.admit`` over an in-memory state: signature, authorization at its
   position, mass balance and custody, the verifications' re-evaluated findings, and every
   other rule of its type. Failures are filed under the step they belong to.
11. **trail** — the rule of ``verifiers.audit.scope``, run over the replayed state, selects
    exactly the bundle's entries for the header's lot.

The replay runs over the trail only, a subset of the ledger; what that cannot re-establish
is listed in every report (:data:`CANNOT_CHECK`) and in ``docs/audit-bundle.md``.

Left out: reading files and showing reports (``api.cli.audit``), writing bundles
(``api.exports.bundle``).
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.canonical import parse_json_strict
from ledger.chain import admit
from ledger.checkpoints import VerifierSpec, parse_verifier_key, verify_checkpoint
from ledger.entries import Entry
from ledger.errors import (
    AuthorizationError,
    CheckpointError,
    DomainRuleError,
    EntryNotFoundError,
    LedgerError,
    ProofError,
    SignatureError,
)
from ledger.keys import decode_public_key, key_id
from ledger.merkle import check_inclusion, verify_inclusion
from ledger.registry import Registry
from ledger.state import InMemoryState, StagedState
from ledger.supply.common import grams_to_kg
from ledger.supply.lots import LOT_KIND
from ledger.trust import GENESIS_TYPE
from verifiers.audit.layout import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    FOOTER,
    HEADER_FIELDS,
    BundleHeader,
    entry_line,
    header_line,
)
from verifiers.audit.report import STEPS, AuditReport, BundleError, Check, Failure
from verifiers.audit.scope import ScopeExtension, trail_scope
from verifiers.eligibility import check_eligibility
from verifiers.errors import VerificationError

__all__ = ["CANNOT_CHECK", "ProgressCallback", "check_bundle", "verify_bundle"]

ProgressCallback = Callable[[int, int | None], None]
"""Called with (entries done, entries the header announces)."""

CANNOT_CHECK = (
    "omissions: an entry left out of the trail (say, a later revocation) cannot be noticed "
    "from the bundle alone; compare with a fresh export or the live log",
    "mass balance and yield caps count the trail's own entries: consumption of an upstream "
    "lot by transformations outside the trail, and harvests of the same plots outside it, "
    "are not in the bundle",
    "uniqueness of ids and nonces is checked within the bundle, not across the whole ledger",
    "that the checkpoint is the log's latest or consistent with checkpoints you hold: check "
    "that with `biotraza proof verify-consistency`",
    "evidence attachments (photos, lab reports) are referenced by SHA-256 only; their files "
    "are not in the bundle",
)

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_ENTRY_FIELDS = ("seq", "hash", "leaf", "proof")
_SEQ_PREFIX = re.compile(rb'\{"seq":(0|[1-9][0-9]{0,15}),')
_LOT_TYPES = frozenset({"lot.harvested", "lot.transformed", "lot.shipped", "lot.received"})


def check_bundle(
    source: bytes | BinaryIO,
    registry: Registry,
    operator_key: VerifierSpec,
    *,
    extensions: Sequence[ScopeExtension] = (),
    progress: ProgressCallback | None = None,
) -> AuditReport:
    """Verify a trail bundle offline and report every step; never raises for bad data.

    Args:
        source: the bundle's bytes, or a binary file positioned at its start.
        registry: the entry types to judge entries by (the deployment's full registry).
        operator_key: the log operator's C2SP verifier key string (``origin+id+key``) or a
            ``(origin, public key)`` pair.
        extensions: the scope extensions the exporter used (``api.exports.trail``).
        progress: called as entries are checked.

    Returns:
        The report; truthy iff everything verified.

    Raises:
        ValueError: ``operator_key`` is not a valid verifier key.
    """
    name, public = _operator(operator_key)
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    audit = _Audit(registry, name, public, extensions, progress)
    audit.run(iter(stream))
    return audit.report


def verify_bundle(
    source: bytes | BinaryIO,
    registry: Registry,
    operator_key: VerifierSpec,
    *,
    extensions: Sequence[ScopeExtension] = (),
    progress: ProgressCallback | None = None,
) -> AuditReport:
    """Verify a trail bundle offline; raise unless every step passed.

    Raises:
        BundleError: the bundle does not verify (``.report`` holds every failure).
        ValueError: ``operator_key`` is not a valid verifier key.
    """
    report = check_bundle(source, registry, operator_key, extensions=extensions, progress=progress)
    if not report:
        raise BundleError(report)
    return report


def _operator(spec: VerifierSpec) -> tuple[str, Ed25519PublicKey]:
    if isinstance(spec, str):
        name, _note_key_id, public = parse_verifier_key(spec.strip())
        return name, public
    name, public = spec
    return name, public


def _first_difference(found: bytes, expected: bytes) -> int:
    for column, (a, b) in enumerate(zip(found, expected, strict=False), start=1):
        if a != b:
            return column
    return min(len(found), len(expected)) + 1


class _Audit:
    """One run of the steps over one bundle."""

    def __init__(
        self,
        registry: Registry,
        origin: str,
        public: Ed25519PublicKey,
        extensions: Sequence[ScopeExtension],
        progress: ProgressCallback | None,
    ) -> None:
        self.registry = registry
        self.origin = origin
        self.public = public
        self.operator_key_id = key_id(public)
        self.extensions = extensions
        self.progress = progress
        self.report = AuditReport(cannot_check=list(CANNOT_CHECK))
        self.counts: Counter[str] = Counter()
        self.ran = dict.fromkeys((step for step, _ in STEPS), True)
        self.header: BundleHeader | None = None
        self.root: bytes | None = None
        self.state = InMemoryState()
        self.actors: dict[int, str] = {}
        self.types: Counter[str] = Counter()
        self.nonces: set[tuple[str, str]] = set()
        self.last: tuple[int, bytes] | None = None  # (seq, entry hash) of the previous entry
        self.seqs: list[int] = []
        self.foreign = False  # genesis names another operator: the bundle of another ledger

    def fail(
        self, step: str, where: str, message: str, line: int | None, seq: int | None = None
    ) -> None:
        self.report.fail(Failure(step, where, message, line, seq))

    # ----------------------------------------------------------------- driver

    def run(self, lines: Iterator[bytes]) -> None:
        first = next(lines, b"")
        if self._header(first):
            self._checkpoint()
            ended = self._entries(lines)
            self._ending(lines, ended)
            if self.foreign:  # replaying another ledger's trail would only add noise
                self.ran["trail"] = False
            else:
                self._trail()
        else:
            for step, _ in STEPS[1:]:
                self.ran[step] = False
        self.report.checks = [
            Check(number, step, text, self.counts[step], self.ran[step])
            for number, (step, text) in enumerate(STEPS, start=1)
        ]
        self.report.summary.setdefault("entry_types", dict(sorted(self.types.items())))

    # ----------------------------------------------------------------- 1. layout: header

    def _header(self, raw: bytes) -> bool:
        """Parse and check the first line; False when nothing else can be checked."""
        if not raw.endswith(b'"entries":[\n'):
            self.fail("layout", "header", 'the first line must end with "entries":[ and a '
                      "newline: this is not a trail bundle (or it was reformatted)", 1)  # fmt: skip
            return False
        try:
            data = parse_json_strict(raw[:-1] + b"]}")
        except LedgerError as exc:
            self.fail("layout", "header", f"not valid JSON: {exc}", 1)
            return False
        if not isinstance(data, dict) or list(data) != [*HEADER_FIELDS, "entries"]:
            found = list(data) if isinstance(data, dict) else type(data).__name__
            self.fail("layout", "header", f"expected the fields {[*HEADER_FIELDS, 'entries']}, "
                      f"found {found}", 1)  # fmt: skip
            return False
        problems = _header_problems(data)
        for field, reason in problems:
            self.fail("layout", f"header.{field}", reason, 1)
        if problems:
            return False
        header = BundleHeader(**{f: data[f] for f in HEADER_FIELDS})
        self.header = header
        self.report.lot_id = header.lot_id
        self.report.origin = header.origin
        self.report.tree_size = header.tree_size
        self.counts["layout"] += 1
        expected = header_line(header)
        if raw != expected:
            column = _first_difference(raw, expected)
            self.fail("layout", "header", f"not in the canonical layout at byte {column}", 1)
        if header.operator_key_id != self.operator_key_id:
            self.fail("checkpoint", "header.operator_key_id", f"the header names operator key "
                      f"{header.operator_key_id}; the key you trust is {self.operator_key_id}",
                      1)  # fmt: skip
        return True

    # ----------------------------------------------------------------- 2. checkpoint

    def _checkpoint(self) -> None:
        header = self.header
        assert header is not None  # noqa: S101 - called after a parsed header only
        try:
            checkpoint = verify_checkpoint(header.checkpoint, self.origin, self.public)
        except (CheckpointError, ValueError) as exc:
            self.fail("checkpoint", "checkpoint", f"{exc} (is this bundle from another log, "
                      "or was the checkpoint changed?)", 1)  # fmt: skip
            self.ran["proofs"] = False
            return
        self.counts["checkpoint"] += 1
        if checkpoint.origin != header.origin:
            self.fail("checkpoint", "header.origin", f"the header says {header.origin!r}, the "
                      f"signed checkpoint {checkpoint.origin!r}", 1)  # fmt: skip
        if checkpoint.tree_size != header.tree_size:
            self.fail("checkpoint", "header.tree_size", f"the header says {header.tree_size}, "
                      f"the signed checkpoint {checkpoint.tree_size}", 1)  # fmt: skip
            self.ran["proofs"] = False
            return
        self.root = checkpoint.root_hash

    # ----------------------------------------------------------------- 1, 3-10. entries

    def _entries(self, lines: Iterator[bytes]) -> bytes | None:
        """Check every entry line; return the line that ended them (footer or garbage)."""
        header = self.header
        assert header is not None  # noqa: S101 - called after a parsed header only
        number, expect_more = 1, True
        for raw in lines:
            number += 1
            if raw.startswith(b"]}"):
                if expect_more and self.seqs:
                    self.fail("layout", f"entries[line {number - 1}]", "the last entry line "
                              "ends with a comma", number - 1)  # fmt: skip
                return raw
            if not expect_more:
                self.fail("layout", f"entries[line {number - 1}]", "an entry line without a "
                          "comma is followed by another entry", number - 1)  # fmt: skip
            expect_more = raw.endswith(b",\n")
            self._entry_line(raw, number, last=not expect_more)
            if self.progress is not None:
                self.progress(len(self.seqs), header.entry_count)
        return None

    def _entry_line(self, raw: bytes, line: int, *, last: bool) -> None:
        body = raw[:-2] if raw.endswith(b",\n") else raw.removesuffix(b"\n")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            found = _SEQ_PREFIX.match(raw)  # name the entry if its seq survived
            seq_named = int(found.group(1)) if found else None
            where_bad = f"entries[seq={seq_named}]" if found else f"entries[line {line}]"
            self.fail("layout", where_bad, f"not valid JSON: {exc}", line, seq_named)
            return
        problems = _entry_problems(data)
        seq = data.get("seq") if isinstance(data, dict) else None
        seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
        where = f"entries[seq={seq}]" if seq is not None else f"entries[line {line}]"
        for field, reason in problems:
            self.fail("layout", f"{where}.{field}" if field else where, reason, line, seq)
        if problems or seq is None:
            return
        self.counts["layout"] += 1
        expected = entry_line(seq, data["hash"], data["leaf"], data["proof"], last=last)
        if raw != expected:
            column = _first_difference(raw, expected)
            self.fail("layout", where, f"not in the canonical layout at byte {column}", line, seq)
        self._entry(seq, data["hash"], data["leaf"], data["proof"], line)

    def _entry(self, seq: int, stated: str, leaf: str, proof: list[str], line: int) -> None:
        header = self.header
        assert header is not None  # noqa: S101 - called after a parsed header only
        where = f"entries[seq={seq}]"
        # 3. The leaf: canonical bytes, its own seq, ascending order, its hash.
        try:
            entry = Entry.from_leaf_bytes(leaf.encode("utf-8"))
        except (LedgerError, UnicodeEncodeError) as exc:
            self.fail("entries", f"{where}.leaf", f"not a canonical ledger leaf: {exc}", line, seq)
            return
        self.counts["entries"] += 1
        if entry.seq != seq:
            self.fail("entries", f"{where}.seq", f"the line says seq {seq}, its leaf says "
                      f"{entry.seq}", line, seq)  # fmt: skip
        previous = self.seqs[-1] if self.seqs else -1
        if seq <= previous:
            self.fail("entries", f"{where}.seq", f"seqs must ascend: {seq} follows {previous}",
                      line, seq)  # fmt: skip
        if seq >= header.tree_size:
            self.fail("entries", f"{where}.seq", f"seq {seq} is outside the checkpoint's tree "
                      f"of {header.tree_size} entries", line, seq)  # fmt: skip
        self.seqs.append(seq)
        computed = bytes(entry.entry_hash)
        if self.last is not None and self.last[0] == entry.seq - 1 and entry.prev != self.last[1]:
            self.fail("entries", f"{where}.leaf", f"prev {entry.prev.hex()} does not link to "
                      f"entry {entry.seq - 1} ({self.last[1].hex()})", line, seq)  # fmt: skip
        self.last = (entry.seq, computed)
        proven = self._proof(seq, entry.seq, computed, bytes.fromhex(stated), proof, line)
        if seq == 0:
            self._genesis(entry, line)
        if proven:
            self._replay(entry, line)

    def _proof(
        self, seq: int, leaf_seq: int, computed: bytes, stated: bytes, proof: list[str], line: int
    ) -> bool:
        """Steps 3 (hash) and 4 (inclusion); whether the leaf is proven to be in the log."""
        header = self.header
        assert header is not None  # noqa: S101 - called after a parsed header only
        where = f"entries[seq={seq}]"
        hashes = [bytes.fromhex(h) for h in proof]
        root = self.root
        if root is None:  # no trusted root: steps 3-4 cannot vouch for the leaf
            if computed != stated:
                self.fail("entries", f"{where}.hash", f"states {stated.hex()}, the leaf hashes "
                          f"to {computed.hex()}", line, seq)  # fmt: skip
            return False
        size = header.tree_size
        if computed != stated:
            if check_inclusion(computed, leaf_seq, size, hashes, root):
                self.fail("entries", f"{where}.hash", f"states {stated.hex()}, but the leaf "
                          f"hashes to {computed.hex()}, which the proof confirms: the hash "
                          "field was changed", line, seq)  # fmt: skip
                self.counts["proofs"] += 1
                return True
            if check_inclusion(stated, seq, size, hashes, root):
                self.fail("entries", f"{where}.leaf", f"the leaf hashes to {computed.hex()}, "
                          f"not to the proven {stated.hex()}: the leaf was changed", line,
                          seq)  # fmt: skip
            else:
                self.fail("proofs", f"{where}.leaf", f"the leaf hashes to {computed.hex()}, "
                          f"the line states {stated.hex()}, and the proof fits neither: "
                          "leaf, hash and proof disagree", line, seq)  # fmt: skip
            return False
        try:
            verify_inclusion(computed, leaf_seq, size, hashes, root)
        except ProofError as exc:
            self.fail("proofs", f"{where}.proof", f"{exc}", line, seq)
            return False
        self.counts["proofs"] += 1
        return True

    # ----------------------------------------------------------------- 5. genesis

    def _genesis(self, entry: Entry, line: int) -> None:
        header = self.header
        assert header is not None  # noqa: S101 - called after a parsed header only
        statement = entry.statement
        body = statement.body
        where = "entries[seq=0].leaf"
        if statement.type != GENESIS_TYPE:
            self.fail("genesis", where, f"seq 0 is {statement.type}, not {GENESIS_TYPE}", line, 0)
            return
        try:
            operator = key_id(decode_public_key(body["operator_key"]["public_key"]))
        except (KeyError, TypeError, ValueError) as exc:
            self.fail("genesis", where, f"genesis has no readable operator key: {exc}", line, 0)
            return
        self.counts["genesis"] += 1
        if operator != self.operator_key_id:
            self.foreign = True
            self.fail("genesis", where, f"genesis names operator key {operator}; you trust "
                      f"{self.operator_key_id}: a bundle of another ledger", line, 0)  # fmt: skip
        if body.get("origin") != header.origin:
            self.fail("genesis", where, f"genesis names origin {body.get('origin')!r}, the "
                      f"header {header.origin!r}", line, 0)  # fmt: skip

    # ----------------------------------------------------------------- 6-10. replay

    def _replay(self, entry: Entry, line: int) -> None:
        statement = entry.statement
        seq = entry.seq
        where = f"entries[seq={seq}].leaf"
        nonce = (statement.actor, statement.nonce)
        if nonce in self.nonces:
            self.fail("rules", where, f"nonce {statement.nonce!r} of {statement.actor} is used "
                      "twice", line, seq)  # fmt: skip
            return
        self.nonces.add(nonce)
        self.types[statement.type] += 1
        staged = StagedState(self.state)
        try:
            admit(seq, entry.signed, staged, self.registry, replaying=True)
        except LedgerError as exc:
            step = _step_of(exc, statement.type)
            self.fail(step, where, f"{statement.type}: {exc}", line, seq)
            self._count_replay(statement.type, upto=step)
            return
        staged.commit()
        self.actors[seq] = statement.actor
        self._count_replay(statement.type, upto=None)

    def _count_replay(self, entry_type: str, upto: str | None) -> None:
        """Count the replay steps an entry passed (those before the one it failed)."""
        for step in ("authorization", "signatures"):
            if step == upto:
                return
            self.counts[step] += 1
        if upto is None:
            topic = (
                "mass-balance"
                if entry_type in _LOT_TYPES
                else "verifications"
                if entry_type == "verification.issued"
                else "rules"
            )
            self.counts[topic] += 1

    # ----------------------------------------------------------------- ending, 11. trail

    def _ending(self, lines: Iterator[bytes], ended: bytes | None) -> None:
        header = self.header
        assert header is not None  # noqa: S101 - called after a parsed header only
        closing = 1 + len(self.seqs) + 1
        if ended is None:
            self.fail("layout", "end", "the bundle ends before its closing ]} (truncated?)", None)
        elif ended != FOOTER:
            self.fail("layout", "end", 'the last line must be exactly "]}" and a newline',
                      closing)  # fmt: skip
        elif next(lines, None) is not None:
            self.fail("layout", "end", "bytes after the closing ]}", closing + 1)
        if len(self.seqs) != header.entry_count:
            self.fail("layout", "header.entry_count", f"the header announces "
                      f"{header.entry_count} entries, the bundle holds {len(self.seqs)}",
                      1)  # fmt: skip
        self.report.entry_count = len(self.seqs)

    def _trail(self) -> None:
        header = self.header
        assert header is not None  # noqa: S101 - called after a parsed header only
        lot_id = header.lot_id
        try:
            scope = trail_scope(self.state, lot_id, self._actors_of, self.extensions)
        except EntryNotFoundError:
            self.fail("trail", "header.lot_id", f"lot {lot_id!r} is not recorded by any entry "
                      "of the bundle", 1)  # fmt: skip
            return
        expected, found = set(scope.seqs), set(self.seqs)
        extra, missing = sorted(found - expected), sorted(expected - found)
        if extra or missing:
            self.fail("trail", "header.lot_id", f"the entries are not the trail of lot "
                      f"{lot_id!r}: {len(extra)} outside it {_few(extra)}, {len(missing)} "
                      f"missing {_few(missing)}", 1)  # fmt: skip
        self.counts["trail"] = len(expected & found)
        self.report.summary.update(self._summary(lot_id, scope.lineage, scope.lots))

    def _actors_of(self, seqs: Sequence[int]) -> dict[int, str]:
        return {s: self.actors[s] for s in seqs if s in self.actors}

    def _summary(self, lot_id: str, lineage: list[str], lots: list[str]) -> dict[str, Any]:
        lot = self.state.get(LOT_KIND, lot_id) or {}
        eligibility = check_eligibility(self.state, lot_id)
        return {
            "lot": {
                "lot_id": lot_id,
                "product": lot.get("product"),
                "form": lot.get("form"),
                "quantity_kg": grams_to_kg(int(lot.get("quantity_g", 0))),
                "custodian": lot.get("custodian"),
            },
            "lineage_lots": len(lineage),
            "lots": len(lots),
            "eligibility": eligibility.to_dict(),
        }


def _few(seqs: list[int], limit: int = 8) -> str:
    if not seqs:
        return ""
    shown = ", ".join(str(s) for s in seqs[:limit])
    return f"(seqs {shown}{', …' if len(seqs) > limit else ''})"


def _step_of(exc: LedgerError, entry_type: str) -> str:
    """The replay step a refusal belongs to."""
    if isinstance(exc, SignatureError):
        return "signatures"
    if isinstance(exc, AuthorizationError):
        return "authorization"
    if isinstance(exc, VerificationError):
        return "verifications"
    if isinstance(exc, DomainRuleError) and entry_type in _LOT_TYPES:
        return "mass-balance"
    return "rules"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _header_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if data["format"] != BUNDLE_FORMAT:
        problems.append(("format", f"expected {BUNDLE_FORMAT!r}, found {data['format']!r}"))
    if data["version"] != BUNDLE_VERSION or not _is_int(data["version"]):
        problems.append(("version", f"expected {BUNDLE_VERSION}, found {data['version']!r}"))
    for field in ("lot_id", "origin", "checkpoint"):
        if not isinstance(data[field], str) or not data[field]:
            problems.append((field, "expected a non-empty string"))
    if not isinstance(data["operator_key_id"], str) or not _HEX32.fullmatch(
        data["operator_key_id"]
    ):
        problems.append(("operator_key_id", "expected 32 lowercase hex characters"))
    for field in ("tree_size", "entry_count"):
        if not _is_int(data[field]) or data[field] < (1 if field == "tree_size" else 0):
            problems.append((field, "expected a positive integer"))
    if data["entries"] != []:
        problems.append(("entries", "the entries follow, one per line"))
    return problems


def _entry_problems(data: Any) -> list[tuple[str, str]]:
    if not isinstance(data, dict):
        return [("", f"expected an object, found {type(data).__name__}")]
    problems: list[tuple[str, str]] = []
    if sorted(data) != sorted(_ENTRY_FIELDS):
        problems.append(("", f"expected the fields {list(_ENTRY_FIELDS)}, found {list(data)}"))
        return problems
    if not _is_int(data["seq"]) or data["seq"] < 0:
        problems.append(("seq", "expected a non-negative integer"))
    if not isinstance(data["hash"], str) or not _HEX64.fullmatch(data["hash"]):
        problems.append(("hash", "expected 64 lowercase hex characters"))
    if not isinstance(data["leaf"], str):
        problems.append(("leaf", "expected the leaf as a string"))
    proof = data["proof"]
    if not isinstance(proof, list) or len(proof) > 64:
        problems.append(("proof", "expected a list of at most 64 hashes"))
    else:
        for index, value in enumerate(proof):
            if not isinstance(value, str) or not _HEX64.fullmatch(value):
                problems.append((f"proof[{index}]", "expected 64 lowercase hex characters"))
    return problems
