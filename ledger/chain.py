"""Append and verify: the one admission procedure for a signed statement at a position.

:func:`admit` is the whole rule book — schema, size, signature, authorization at that position,
the entry type's rules and projections — and it runs in three places: :func:`append` (live,
inside the store's lock), :func:`verify_entries` (re-checking stored or exported entries with
no database) and rebuild. Because it is one function, a ledger that appended an entry will
verify it, and a replay reproduces the live projections.

Left out: I/O and locking (``ledger.storage``), Merkle proofs (``ledger.merkle``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ledger.entries import Entry, build_entry
from ledger.errors import (
    AuthorizationError,
    ChainBrokenError,
    ConflictError,
    EncodingError,
    HashMismatchError,
    IntegrityError,
    LedgerError,
    NonceReplayError,
    SchemaError,
    SignatureError,
    UnknownKeyError,
)
from ledger.hashing import GENESIS_PREV, EntryHash
from ledger.keys import STATEMENT_DOMAIN, decode_public_key, key_id, verify_message
from ledger.registry import AppendContext, EntryType, Registry
from ledger.state import InMemoryState, StagedState, State
from ledger.statements import MAX_STATEMENT_BYTES, SignedStatement
from ledger.storage.base import AppendTransaction, LedgerStore, StoredLeaf
from ledger.timing import Clock, check_claimed_time, next_log_time, system_clock
from ledger.trust import GENESIS_TYPE, KEY_KIND, GenesisBody, active_key, check_may_sign

__all__ = [
    "PARALLEL_VERIFY_THRESHOLD",
    "REFUSALS",
    "AppendResult",
    "BatchOutcome",
    "ChainVerification",
    "admit",
    "append",
    "append_batch",
    "authenticate",
    "ParsedStatement",
    "parse_statement",
    "resolve_public_key",
    "verify_entries",
    "verify_stored_leaves",
]


@dataclass(frozen=True)
class AppendResult:
    """The entry now in the ledger; ``created`` is False for an idempotent replay."""

    entry: Entry
    created: bool


def resolve_public_key(signed: SignedStatement, lookup: Callable[[str], bytes | None]) -> bytes:
    """Find the actor's public key: in the genesis body itself, or through ``lookup``.

    Raises:
        UnknownKeyError: the actor's key is not known.
    """
    statement = signed.statement
    if statement.type == GENESIS_TYPE:
        try:
            body = GenesisBody.model_validate(statement.body)
        except ValueError:
            body = None
        if body is not None:
            for named in body.root_keys:
                raw = decode_public_key(named.public_key)
                if key_id(raw) == statement.actor:
                    return raw
        raise UnknownKeyError(f"genesis actor {statement.actor} is not one of its root keys")
    found = lookup(statement.actor)
    if found is None:
        raise UnknownKeyError(f"unknown key {statement.actor}")
    return found


@dataclass(frozen=True)
class ParsedStatement:
    """A statement's type, validated body and the documents admitting it will read: all
    that needs no ledger state, so ``append`` works it out before taking the lock."""

    entry_type: EntryType
    body: BaseModel
    reads: list[tuple[str, str]]


def parse_statement(signed: SignedStatement, registry: Registry) -> ParsedStatement:
    """Steps 1 and 2 of :func:`admit` (the size limit, the type and the body's model), and
    the projection documents step 4 and 6 will read, as far as known up front: the actor's
    key and what the entry type declares (``EntryType.reads``).

    Raises:
        SchemaError: too large, or the body does not match its type's model.
        UnknownEntryTypeError: no such entry type.
    """
    statement = signed.statement
    size = len(statement.canonical_bytes)
    if size > MAX_STATEMENT_BYTES:
        raise SchemaError(
            f"statement is {size} bytes, over the {MAX_STATEMENT_BYTES}-byte limit",
            [("statement", f"larger than {MAX_STATEMENT_BYTES} bytes")],
        )
    entry_type = registry.get(statement.type)
    body = entry_type.parse_body(statement.body)
    reads: list[tuple[str, str]] = []
    if statement.type != GENESIS_TYPE:
        reads.append((KEY_KIND, statement.actor))
        if entry_type.reads is not None:
            reads.extend(entry_type.reads(body))
    return ParsedStatement(entry_type, body, reads)


def authenticate(
    signed: SignedStatement,
    state: State,
    parsed: ParsedStatement,
    log_time: str | None,
    *,
    check_signature: bool = True,
) -> tuple[dict[str, Any] | None, bytes]:
    """Steps 4 and 5 of :func:`admit`: the actor's key is active (at ``log_time``) with a role
    the type allows, and the signature verifies with it. Also what a dry run checks before
    saying what a statement would record (``/epcis/capture?dry_run=true``).

    Returns:
        The actor's key document (``None`` for genesis) and its public key.

    Raises:
        UnknownKeyError, AuthorizationError: the key is unknown, inactive or not allowed.
        SignatureError: the signature does not verify.
    """
    statement = signed.statement
    actor_doc = None
    if statement.type == GENESIS_TYPE:
        public_key = resolve_public_key(signed, lambda _kid: None)
    else:
        # One query for the actor's key and the documents the rules will read (SQL stores;
        # a no-op for those the append's first read already brought).
        state.prefetch(parsed.reads)
        actor_doc = active_key(state, statement.actor, statement.ts, log_time)
        check_may_sign(actor_doc, statement.type, parsed.entry_type.roles)
        public_key = decode_public_key(actor_doc["public_key"])
    if check_signature:
        signed.verify_signature(public_key)
    return actor_doc, public_key


def admit(
    seq: int,
    signed: SignedStatement,
    state: State,
    registry: Registry,
    *,
    check_signature: bool = True,
    parsed: ParsedStatement | None = None,
    replaying: bool = False,
    log_time: str | None = None,
) -> bytes:
    """Check a signed statement at position ``seq`` and write its projections into ``state``.

    Returns the public key the signature must verify with (checked here unless
    ``check_signature`` is false, in which case the caller checks it). ``parsed`` is
    :func:`parse_statement`'s result when the caller already has it. ``log_time`` is the
    log's clock at admission, recorded in the leaf (``None`` only when re-checking a legacy
    entry, which is judged at its ``ts`` as it was admitted; ``ledger.timing``).
    ``replaying`` is true when the entry is already recorded (verify, rebuild): admission-only
    rules are skipped (see :class:`~ledger.registry.AppendContext`).

    Numbered steps, each failing closed:

    1. The statement is within the size limit and its type is registered.
    2. The body matches the type's model.
    3. Seq 0 holds genesis and only genesis; ``ts`` is not in the log's future.
    4. The actor's key is active at this position and at ``log_time`` (offline grace
       included) and its role may write this type.
    5. The signature verifies with that key (skipped when the caller already checked it
       against the same immutable key bytes).
    6. The type's rules pass and its projections are written.

    Raises:
        SchemaError, SignatureError, AuthorizationError, DomainRuleError: as the step says.
    """
    statement = signed.statement
    # Steps 1 and 2.
    if parsed is None:
        parsed = parse_statement(signed, registry)
    entry_type, body = parsed.entry_type, parsed.body
    # Step 3.
    if seq == 0 and statement.type != GENESIS_TYPE:
        raise AuthorizationError("the first entry must be ledger.genesis")
    if log_time is not None:
        check_claimed_time(statement.ts, log_time)
    # Steps 4 and 5.
    actor_doc, public_key = authenticate(
        signed, state, parsed, log_time, check_signature=check_signature
    )
    # Step 6.
    entry_type.apply(
        AppendContext(
            seq=seq,
            statement=statement,
            state=state,
            actor=actor_doc,
            replaying=replaying,
            log_time=log_time,
        ),
        body,
    )
    return public_key


def append(
    store: LedgerStore,
    registry: Registry,
    signed: SignedStatement,
    *,
    clock: Clock = system_clock,
) -> AppendResult:
    """Append a signed statement; safe to retry.

    ``clock`` is the log's clock: read inside the lock, never earlier than the previous
    entry's ``log_time``, recorded in the leaf, and the moment validity is judged at.

    Everything that needs no ledger state — the signature, the size, the type and the
    body's schema — is checked before the lock, so malformed or forged input never holds
    up other writers; a key id names its public key forever, so the signature check stays
    valid inside the lock, where the authorization and rules are checked against the
    state at the position the entry gets.

    Raises:
        SchemaError, UnknownKeyError, SignatureError: the statement is malformed or forged.
        AuthorizationError: the key may not write this entry now.
        NonceReplayError: the nonce was used for a different statement.
        DomainRuleError: a rule of the entry type refuses it.
    """
    # The replay check happens once, inside the lock: a separate pre-check would cost every
    # append an extra read transaction to save retries (rare) one signature check (cheap).
    public_key = resolve_public_key(signed, store.public_key)
    signed.verify_signature(public_key)
    parsed = parse_statement(signed, registry)
    with store.appending() as tx:
        return _append_locked(tx, None, registry, signed, parsed, clock)


def _append_locked(
    tx: AppendTransaction,
    state: State | None,
    registry: Registry,
    signed: SignedStatement,
    parsed: ParsedStatement,
    clock: Clock,
) -> AppendResult:
    """The part of an append made under the lock, for a statement whose signature was
    checked: the replay check, the log's clock, admission at the head (its projections
    written into ``state``, the transaction's own by default) and the insert. One statement
    of a batch runs exactly this.

    The transaction's state is asked for only after the replay check: on PostgreSQL that
    check is the message that opens the transaction (``ledger.storage.sql.pg_append``).
    """
    statement = signed.statement
    existing = tx.find_by_nonce(statement.actor, statement.nonce, parsed.reads)
    if existing is not None:
        return _replayed(existing, signed)
    head = tx.head()
    log_time = next_log_time(clock, head.log_time)
    admit(
        head.size,
        signed,
        tx.state if state is None else state,
        registry,
        check_signature=False,
        parsed=parsed,
        log_time=log_time,
    )
    entry = build_entry(head.size, head.last_hash, signed, log_time)
    tx.insert(entry)
    return AppendResult(entry=entry, created=True)


REFUSALS: tuple[type[LedgerError], ...] = (
    EncodingError,
    SchemaError,
    SignatureError,
    AuthorizationError,
    ConflictError,
)
"""What refuses one statement of a batch and no other: its bytes, its signature, its key's
authority or a rule of its type. Anything else (the database, tampered stored data) stops
the whole batch, which then records nothing."""

BatchOutcome = AppendResult | LedgerError
"""One statement's outcome in a batch: the entry it became (``created`` False for a replay)
or the error that refused it, the same error a single append raises."""


@dataclass
class _Pending:
    """A batch statement as checked before the lock."""

    signed: SignedStatement
    parsed: ParsedStatement | None
    parse_error: LedgerError | None
    signature_checked: bool


def append_batch(
    store: LedgerStore,
    registry: Registry,
    statements: Sequence[SignedStatement | LedgerError],
    *,
    clock: Clock = system_clock,
) -> list[BatchOutcome]:
    """Append many signed statements in order, each admitted or refused on its own, the
    admitted ones committed together (one transaction, one flush to disk): safe to retry
    as a whole, since a statement already recorded is answered as :func:`append` answers a
    replay.

    Each statement is judged exactly as :func:`append` judges it, at the position it gets,
    so a statement may build on one before it in the same batch (a harvest on a plot
    registered earlier in the batch, a statement signed by a key the batch authorized). A
    refused statement leaves nothing behind (its projection writes are staged and dropped)
    and takes its error, the one :func:`append` would raise, as its outcome; the batch goes
    on. An item given as a ``LedgerError`` (the caller could not even decode it) is
    refused with that error.

    The one difference from appending one by one: a statement whose key is not yet
    recorded is not refused before the lock, since an earlier statement of the batch may
    record it; its signature is checked under the lock against that key.

    Raises:
        StorageUnavailableError, IntegrityError: the database failed or its data does not
            check out; nothing of the batch was recorded, and sending it again is safe.
    """
    outcomes: list[BatchOutcome | None] = [None] * len(statements)
    pending: list[tuple[int, _Pending]] = []
    for index, item in enumerate(statements):
        if isinstance(item, LedgerError):
            outcomes[index] = item
            continue
        try:
            pending.append((index, _check_before_lock(store, registry, item)))
        except REFUSALS as exc:
            outcomes[index] = exc
    if pending:
        nonces = [(p.signed.statement.actor, p.signed.statement.nonce) for _, p in pending]
        reads = [read for _, p in pending if p.parsed is not None for read in p.parsed.reads]
        with store.appending_batch(nonces, reads) as tx:
            for index, checked in pending:
                staged = StagedState(tx.state)
                try:
                    parsed = _check_under_lock(checked, staged)
                    outcome = _append_locked(tx, staged, registry, checked.signed, parsed, clock)
                except REFUSALS as exc:
                    outcomes[index] = exc
                    continue
                staged.commit()
                outcomes[index] = outcome
    return [outcome for outcome in outcomes if outcome is not None]


def _check_before_lock(store: LedgerStore, registry: Registry, signed: SignedStatement) -> _Pending:
    """What :func:`append` checks before its lock, in its order. A key not recorded yet is
    left for :func:`_check_under_lock`, and so is the body then: ``append`` names the key
    first.

    Raises:
        SignatureError, SchemaError: as ``append`` raises them.
    """
    try:
        public_key = resolve_public_key(signed, store.public_key)
    except UnknownKeyError:
        public_key = None
    if public_key is not None:
        signed.verify_signature(public_key)
    try:
        return _Pending(signed, parse_statement(signed, registry), None, public_key is not None)
    except REFUSALS as exc:
        if public_key is not None:
            raise
        return _Pending(signed, None, exc, False)


def _check_under_lock(item: _Pending, state: State) -> ParsedStatement:
    """The rest of the checks :func:`append` makes before its lock, for a statement whose
    key was not recorded before the batch: the key as recorded so far (by an earlier
    statement of the batch), its signature, then the body.

    Raises:
        UnknownKeyError, SignatureError, SchemaError: as ``append`` raises them.
    """
    if not item.signature_checked:

        def recorded(kid: str) -> bytes | None:
            document = state.get(KEY_KIND, kid)
            return None if document is None else decode_public_key(document["public_key"])

        item.signed.verify_signature(resolve_public_key(item.signed, recorded))
    if item.parse_error is not None:
        raise item.parse_error
    assert item.parsed is not None  # noqa: S101 - parsed unless it failed to
    return item.parsed


def _replayed(existing: Entry, signed: SignedStatement) -> AppendResult:
    if existing.statement.canonical_bytes != signed.statement.canonical_bytes:
        raise NonceReplayError(
            f"nonce {signed.statement.nonce!r} of actor {signed.statement.actor} was already "
            f"used by entry {existing.seq} for a different statement"
        )
    return AppendResult(entry=existing, created=False)


@dataclass(frozen=True)
class ChainVerification:
    """Outcome of a full verification: size, head hash and the replayed state.

    ``legacy_entries`` counts the leading entries written before the log stamped
    ``log_time`` (judged at their ``ts``, as they were admitted).
    """

    size: int
    head_hash: EntryHash
    leaf_hashes: list[bytes]
    state: InMemoryState
    legacy_entries: int = 0


def _verify_batch(items: list[tuple[int, bytes, bytes, bytes]]) -> tuple[int, str] | None:
    """Worker: the first (seq, reason) whose signature fails in a batch, or ``None``."""
    for seq, public_key, message, signature in items:
        try:
            verify_message(public_key, STATEMENT_DOMAIN, message, signature)
        except SignatureError as exc:
            return seq, str(exc)
    return None


class _SignatureChecks:
    """Ed25519 checks of a verification run: inline, or batched to worker processes.

    Signatures are the one step that needs no state, so with ``workers`` they run in other
    processes while this one parses, links and replays; failures are still reported at the
    lowest bad seq, as if everything had been checked in order.
    """

    BATCH = 2000

    def __init__(self, workers: int) -> None:
        self._pool = ProcessPoolExecutor(workers) if workers > 0 else None
        self._batch: list[tuple[int, bytes, bytes, bytes]] = []
        self._pending: list[Future[tuple[int, str] | None]] = []

    def add(self, seq: int, public_key: bytes, signed: SignedStatement) -> None:
        message, signature = signed.statement.canonical_bytes, signed.signature
        if self._pool is None:
            try:
                verify_message(public_key, STATEMENT_DOMAIN, message, signature)
            except SignatureError as exc:
                raise IntegrityError(f"entry {seq}: {exc}", seq) from exc
            return
        self._batch.append((seq, public_key, message, signature))
        if len(self._batch) >= self.BATCH:
            self._pending.append(self._pool.submit(_verify_batch, self._batch))
            self._batch = []
            self._raise_done()

    def _raise_done(self) -> None:
        done = [f for f in self._pending if f.done()]
        failures = [r for f in done if (r := f.result()) is not None]
        if failures:
            self.raise_first(failures)
        self._pending = [f for f in self._pending if not f.done()]

    def raise_first(self, failures: list[tuple[int, str]]) -> None:
        seq, reason = min(failures)
        self.close()
        raise IntegrityError(f"entry {seq}: {reason}", seq)

    def drain_before(self, seq: int) -> None:
        """Before reporting an error at ``seq``: raise a signature failure below it, if any."""
        try:
            self.drain()
        except IntegrityError as exc:
            if exc.seq is not None and exc.seq < seq:
                raise

    def drain(self) -> None:
        """Wait for every submitted check; raise the lowest failure, if any."""
        if self._pool is None:
            return
        if self._batch:
            self._pending.append(self._pool.submit(_verify_batch, self._batch))
            self._batch = []
        failures = [r for f in self._pending if (r := f.result()) is not None]
        self._pending = []
        if failures:
            self.raise_first(failures)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


PARALLEL_VERIFY_THRESHOLD = 20_000
"""Below this many entries, verifying inline beats starting worker processes."""


def signature_workers(size: int) -> int:
    """How many worker processes should check the signatures of ``size`` entries beside the
    replay: one per extra core once the ledger is large enough to repay starting them (0:
    inline). What ``biotraza ledger verify`` and ``biotraza indicators verify`` use by
    default."""
    if size < PARALLEL_VERIFY_THRESHOLD:
        return 0
    return max((os.cpu_count() or 1) - 1, 1)


def verify_stored_leaves(
    leaves: Iterable[StoredLeaf],
    registry: Registry,
    *,
    on_entry: Callable[[int], None] | None = None,
    workers: int = 0,
) -> ChainVerification:
    """Re-check stored rows from genesis with no database: bytes, hashes, chain, rules.

    With ``workers`` > 0, signatures are verified in that many worker processes (the rest
    stays in order in this one); the result and the reported first bad seq are the same.

    Raises:
        IntegrityError: the first bad entry, with ``seq`` set and the reason in the message.
    """
    checks = _SignatureChecks(workers)
    try:
        result = _verify_rows(leaves, registry, checks, on_entry)
        checks.drain()
        return result
    except IntegrityError as exc:
        # A signature failing at a lower seq than this error is the first bad entry.
        if exc.seq is not None:
            checks.drain_before(exc.seq)
        raise
    finally:
        checks.close()


def _verify_rows(
    leaves: Iterable[StoredLeaf],
    registry: Registry,
    checks: _SignatureChecks,
    on_entry: Callable[[int], None] | None,
) -> ChainVerification:
    state = InMemoryState()
    expected_seq = 0
    prev: EntryHash = GENESIS_PREV
    nonces: set[tuple[str, str]] = set()
    leaf_hashes: list[bytes] = []
    last_log_time: str | None = None
    legacy = 0
    for row in leaves:
        seq = row.seq
        if seq != expected_seq:
            raise ChainBrokenError(
                f"entry {expected_seq}: missing; next stored is {seq}", expected_seq
            )
        try:
            entry = Entry.from_leaf_bytes(row.leaf_bytes)
        except LedgerError as exc:
            raise IntegrityError(f"entry {seq}: {exc}", seq) from exc
        if entry.entry_hash != row.entry_hash:
            raise HashMismatchError(
                f"entry {seq}: entry_hash mismatch: stored {row.entry_hash.hex()}, "
                f"computed {entry.entry_hash.hex()}",
                seq,
            )
        _check_link(entry, seq, prev)
        if row.columns is not None:
            _check_columns(entry, row.columns)
        key = (entry.statement.actor, entry.statement.nonce)
        if key in nonces:
            raise IntegrityError(f"entry {seq}: nonce reused by actor {key[0]}", seq)
        nonces.add(key)
        _check_log_time(entry, seq, last_log_time)
        if entry.log_time is None:
            legacy += 1
        last_log_time = entry.log_time
        staged = StagedState(state)
        try:
            public_key = admit(
                seq,
                entry.signed,
                staged,
                registry,
                check_signature=False,
                replaying=True,
                log_time=entry.log_time,
            )
        except LedgerError as exc:
            raise IntegrityError(f"entry {seq}: {exc}", seq) from exc
        checks.add(seq, public_key, entry.signed)
        staged.commit()
        prev = entry.entry_hash
        leaf_hashes.append(entry.entry_hash)
        expected_seq += 1
        if on_entry is not None:
            on_entry(seq)
    return ChainVerification(
        size=expected_seq,
        head_hash=prev,
        leaf_hashes=leaf_hashes,
        state=state,
        legacy_entries=legacy,
    )


_COLUMNS = ("type", "actor", "nonce", "ts")


def _check_columns(entry: Entry, columns: tuple[str, str, str, str]) -> None:
    """The entries table's copies of the statement's fields (which appends look entries up
    by) say what the signed leaf says."""
    statement = entry.statement
    signed = (statement.type, statement.actor, statement.nonce, statement.ts)
    for name, stored, expected in zip(_COLUMNS, columns, signed, strict=True):
        if stored != expected:
            raise IntegrityError(
                f"entry {entry.seq}: stored column {name} is {stored!r}, the signed leaf says "
                f"{expected!r}",
                entry.seq,
            )


def _check_log_time(entry: Entry, seq: int, previous: str | None) -> None:
    """``log_time`` never decreases, and legacy (unstamped) entries only form a prefix."""
    if entry.log_time is None:
        if seq > 0 and previous is not None:
            raise IntegrityError(
                f"entry {seq}: no log_time after entry {seq - 1} had one "
                "(only the entries before the upgrade may lack it)",
                seq,
            )
        return
    if previous is not None and entry.log_time < previous:
        raise IntegrityError(
            f"entry {seq}: log_time {entry.log_time} is before the previous entry's {previous}",
            seq,
        )


def _check_link(entry: Entry, seq: int, prev: EntryHash) -> None:
    if entry.seq != seq:
        raise ChainBrokenError(f"entry {seq}: leaf says seq {entry.seq}", seq)
    if entry.prev != prev:
        raise ChainBrokenError(
            f"entry {seq}: prev_hash mismatch: expected {prev.hex()}, got {entry.prev.hex()}", seq
        )


def verify_entries(
    entries: Iterable[Entry],
    registry: Registry,
    *,
    on_entry: Callable[[int], None] | None = None,
) -> ChainVerification:
    """Verify a list of exported entries (e.g. from ``GET /api/v1/entries``) with no database.

    Raises:
        IntegrityError: the first bad entry, with ``seq`` set.
    """
    return verify_stored_leaves(
        (StoredLeaf(e.seq, e.leaf_bytes, e.entry_hash) for e in entries),
        registry,
        on_entry=on_entry,
    )
