"""Append and verify: the one admission procedure for a signed statement at a position.

:func:`admit` is the whole rule book — schema, size, signature, authorization at that position,
the entry type's rules and projections — and it runs in three places: :func:`append` (live,
inside the store's lock), :func:`verify_entries` (re-checking stored or exported entries with
no database) and rebuild. Because it is one function, a ledger that appended an entry will
verify it, and a replay reproduces the live projections.

Left out: I/O and locking (``ledger.storage``), Merkle proofs (``ledger.merkle``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ledger.entries import Entry, build_entry
from ledger.errors import (
    AuthorizationError,
    ChainBrokenError,
    HashMismatchError,
    IntegrityError,
    LedgerError,
    NonceReplayError,
    SchemaError,
    UnknownKeyError,
)
from ledger.hashing import GENESIS_PREV, EntryHash
from ledger.keys import decode_public_key, key_id
from ledger.registry import AppendContext, Registry
from ledger.state import InMemoryState, StagedState, State
from ledger.statements import MAX_STATEMENT_BYTES, SignedStatement
from ledger.storage.base import LedgerStore, StoredLeaf
from ledger.trust import GENESIS_TYPE, GenesisBody, active_key

__all__ = [
    "AppendResult",
    "ChainVerification",
    "admit",
    "append",
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


def admit(
    seq: int,
    signed: SignedStatement,
    state: State,
    registry: Registry,
    *,
    check_signature: bool = True,
) -> None:
    """Check a signed statement at position ``seq`` and write its projections into ``state``.

    Numbered steps, each failing closed:

    1. The statement is within the size limit and its type is registered.
    2. The body matches the type's model.
    3. Seq 0 holds genesis and only genesis.
    4. The actor's key is active at this position and its role may write this type.
    5. The signature verifies with that key (skipped when the caller already checked it
       against the same immutable key bytes).
    6. The type's rules pass and its projections are written.

    Raises:
        SchemaError, SignatureError, AuthorizationError, DomainRuleError: as the step says.
    """
    statement = signed.statement
    # Step 1.
    size = len(statement.canonical_bytes)
    if size > MAX_STATEMENT_BYTES:
        raise SchemaError(
            f"statement is {size} bytes, over the {MAX_STATEMENT_BYTES}-byte limit",
            [("statement", f"larger than {MAX_STATEMENT_BYTES} bytes")],
        )
    entry_type = registry.get(statement.type)
    # Step 2.
    body = entry_type.parse_body(statement.body)
    # Step 3.
    if seq == 0 and statement.type != GENESIS_TYPE:
        raise AuthorizationError("the first entry must be ledger.genesis")
    # Step 4.
    actor_doc = None
    if statement.type == GENESIS_TYPE:
        public_key = resolve_public_key(signed, lambda _kid: None)
    else:
        actor_doc = active_key(state, statement.actor, statement.ts)
        if actor_doc["role"] not in entry_type.roles:
            raise AuthorizationError(
                f"key {statement.actor} has role {actor_doc['role']!r}; "
                f"{statement.type} needs one of {sorted(entry_type.roles)}"
            )
        public_key = decode_public_key(actor_doc["public_key"])
    # Step 5.
    if check_signature:
        signed.verify_signature(public_key)
    # Step 6.
    entry_type.apply(
        AppendContext(seq=seq, statement=statement, state=state, actor=actor_doc), body
    )


def append(store: LedgerStore, registry: Registry, signed: SignedStatement) -> AppendResult:
    """Append a signed statement; safe to retry.

    The signature is checked before the lock (CPU work outside the critical section); a key
    id names its public key forever, so the check stays valid inside the lock, where the
    authorization and rules are checked against the state at the position the entry gets.

    Raises:
        SchemaError, UnknownKeyError, SignatureError: the statement is malformed or forged.
        AuthorizationError: the key may not write this entry now.
        NonceReplayError: the nonce was used for a different statement.
        DomainRuleError: a rule of the entry type refuses it.
    """
    statement = signed.statement
    # The replay check happens once, inside the lock: a separate pre-check would cost every
    # append an extra read transaction to save retries (rare) one signature check (cheap).
    public_key = resolve_public_key(signed, store.public_key)
    signed.verify_signature(public_key)
    with store.appending() as tx:
        existing = tx.find_by_nonce(statement.actor, statement.nonce)
        if existing is not None:
            return _replayed(existing, signed)
        head = tx.head()
        admit(head.size, signed, tx.state, registry, check_signature=False)
        entry = build_entry(head.size, head.last_hash, signed)
        tx.insert(entry)
    return AppendResult(entry=entry, created=True)


def _replayed(existing: Entry, signed: SignedStatement) -> AppendResult:
    if existing.statement.canonical_bytes != signed.statement.canonical_bytes:
        raise NonceReplayError(
            f"nonce {signed.statement.nonce!r} of actor {signed.statement.actor} was already "
            f"used by entry {existing.seq} for a different statement"
        )
    return AppendResult(entry=existing, created=False)


@dataclass(frozen=True)
class ChainVerification:
    """Outcome of a full verification: size, head hash and the replayed state."""

    size: int
    head_hash: EntryHash
    leaf_hashes: list[bytes]
    state: InMemoryState


def verify_stored_leaves(
    leaves: Iterable[StoredLeaf],
    registry: Registry,
    *,
    on_entry: Callable[[int], None] | None = None,
) -> ChainVerification:
    """Re-check stored rows from genesis with no database: bytes, hashes, chain, rules.

    Raises:
        IntegrityError: the first bad entry, with ``seq`` set and the reason in the message.
    """
    state = InMemoryState()
    expected_seq = 0
    prev: EntryHash = GENESIS_PREV
    nonces: set[tuple[str, str]] = set()
    leaf_hashes: list[bytes] = []
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
        key = (entry.statement.actor, entry.statement.nonce)
        if key in nonces:
            raise IntegrityError(f"entry {seq}: nonce reused by actor {key[0]}", seq)
        nonces.add(key)
        staged = StagedState(state)
        try:
            admit(seq, entry.signed, staged, registry)
        except LedgerError as exc:
            raise IntegrityError(f"entry {seq}: {exc}", seq) from exc
        staged.commit()
        prev = entry.entry_hash
        leaf_hashes.append(entry.entry_hash)
        expected_seq += 1
        if on_entry is not None:
            on_entry(seq)
    return ChainVerification(
        size=expected_seq, head_hash=prev, leaf_hashes=leaf_hashes, state=state
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
