"""The application service both the HTTP app and the CLI call: one way to do each thing.

It owns the wiring (engine → store → registry, the operator key) and nothing else: rules live
in ``ledger``, request parsing lives in the routes and the CLI.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine

from api.services.checkpointer import Checkpointer, CheckpointPolicy
from api.services.group_commit import GroupCommit
from api.settings import Settings
from labels.issuance import label_entry_types
from ledger import Registry, core_registry
from ledger.chain import (
    PARALLEL_VERIFY_THRESHOLD,
    AppendResult,
    BatchOutcome,
    ChainVerification,
    append,
    append_batch,
    signature_workers,
    verify_stored_leaves,
)
from ledger.checkpoints import verifier_key_string
from ledger.entries import Entry
from ledger.errors import (
    CheckpointError,
    ConflictError,
    EntryNotFoundError,
    HashMismatchError,
    IntegrityError,
    KeyStoreError,
    LedgerError,
)
from ledger.keys import decode_public_key
from ledger.merkle import STORED_FROM_LEVEL, InMemoryNodes, root_at, stored_node_count
from ledger.private_paths import private_dir
from ledger.replay_check import check_links, check_projection_documents
from ledger.seals import SEAL_KEY_BYTES
from ledger.statements import SignedStatement
from ledger.storage.base import Head, StoredCheckpoint
from ledger.storage.limits import DEFAULT_LOCK_TIMEOUT
from ledger.storage.sql import SqlLedgerStore, create_ledger_engine, upgrade_database
from ledger.storage.sql.migrate import require_current_schema, require_sqlite_file
from ledger.storage.sql.store import SqlState
from ledger.timing import Clock, system_clock
from ledger.transparency import (
    ConsistencyProofDocument,
    InclusionProofDocument,
    check_checkpoints,
    consistency_document,
    inclusion_document,
)
from ledger.trust import genesis_info
from verifiers.certification import certification_entry_types
from verifiers.epcis.capture import capture_entry_types
from verifiers.groups import group_entry_types
from verifiers.status_list import credential_entry_types
from verifiers.training import training_entry_types

logger = logging.getLogger(__name__)

__all__ = [
    "PARALLEL_VERIFY_THRESHOLD",
    "PROJECTION_KEY_FILE",
    "LedgerService",
    "LogInfo",
    "deployment_secret",
    "full_registry",
    "projection_key",
]


def full_registry() -> Registry:
    """Every entry type this deployment accepts: the ledger core's, certification's, labels',
    and EPCIS captures."""
    registry = core_registry()
    for entry_type in [
        *certification_entry_types(),
        *label_entry_types(),
        *capture_entry_types(),
        *credential_entry_types(),
        *group_entry_types(),
        *training_entry_types(),
    ]:
        registry.register(entry_type)
    return registry


PROJECTION_KEY_FILE = "projection.key"


def deployment_secret(data_dir: Path, file_name: str, what: str) -> bytes:
    """A secret of this deployment kept in ``<data_dir>/<file_name>``: created on first use
    (32 random bytes, mode 0600, directory 0700), read afterwards — where the operator key
    and the projection seal key live, never in the database or on the ledger, so read access
    to either does not reveal it.

    Every server on one database must hold the same file (copy it as you would the operator
    key).

    Raises:
        KeyStoreError: the file exists but is not a 32-byte secret (``what`` names it).
    """
    path = data_dir / file_name
    if not path.exists():
        private_dir(data_dir)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(SEAL_KEY_BYTES))
    key = path.read_bytes()
    if len(key) != SEAL_KEY_BYTES:
        raise KeyStoreError(f"{path} is not a {SEAL_KEY_BYTES}-byte {what}")
    return key


def projection_key(data_dir: Path) -> bytes:
    """The deployment's projection seal secret, ``<data_dir>/projection.key``
    (:func:`deployment_secret`). The database never holds it, so write access to the
    database alone cannot forge a sealed row.

    Raises:
        KeyStoreError: the file exists but is not a seal key.
    """
    return deployment_secret(data_dir, PROJECTION_KEY_FILE, "projection seal key")


@dataclass(frozen=True)
class LogInfo:
    """Who runs this log and how to check its checkpoints."""

    origin: str
    operator_key_id: str
    operator_public_key: Ed25519PublicKey
    verifier_key: str


@dataclass
class LedgerService:
    """A ledger on one database."""

    engine: Engine
    store: SqlLedgerStore
    registry: Registry
    operator_key: Ed25519PrivateKey | None = None
    checkpoint_policy: CheckpointPolicy = field(default_factory=CheckpointPolicy)
    _checkpointer: Checkpointer | None = field(default=None, init=False, repr=False)
    clock: Clock = system_clock
    """The log's clock (``ledger.timing``): stamps each entry's ``log_time`` at admission."""
    group: GroupCommit = field(init=False, repr=False)
    """Concurrent :meth:`submit` calls of this process share transactions
    (``api.services.group_commit``); ``group.stats`` counts how."""

    def __post_init__(self) -> None:
        self.group = GroupCommit(self._submit_one, self.submit_batch)

    @classmethod
    def from_settings(
        cls,
        cfg: Settings,
        *,
        migrate: bool = True,
        operator_key: Ed25519PrivateKey | None = None,
    ) -> LedgerService:
        """The configured ledger, as every face opens it: the database URL, the bound on lock
        waits, the deployment's projection seal key and the checkpoint schedule, all from
        ``cfg``; the operator key when this process signs checkpoints.

        Raises:
            SchemaRevisionError: ``migrate=False`` and there is no ledger (or another schema).
        """
        if not migrate:
            require_sqlite_file(cfg.resolved_database_url)  # before the seal key is made
        return cls.open(
            cfg.resolved_database_url,
            migrate=migrate,
            operator_key=operator_key,
            checkpoint_policy=CheckpointPolicy(
                cfg.checkpoint_every_entries, cfg.checkpoint_max_age_seconds
            ),
            lock_timeout=cfg.lock_timeout_seconds,
            seal_key=projection_key(cfg.data_dir),
        )

    @classmethod
    def open(
        cls,
        database_url: str,
        *,
        migrate: bool = True,
        operator_key: Ed25519PrivateKey | None = None,
        checkpoint_policy: CheckpointPolicy | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        clock: Clock = system_clock,
        seal_key: bytes | None = None,
    ) -> LedgerService:
        """Connect to the database at ``database_url`` and migrate it, or (``migrate=False``)
        check that it is already at this code's schema revision. Appends wait at most
        ``lock_timeout`` seconds for other writers. ``seal_key`` (``projection_key``) makes
        appends seal the projection rows they write and refuse to build on one whose seal
        fails (``ledger.seals``).

        Raises:
            SchemaRevisionError: ``migrate=False`` and the schema is missing or another one.
        """
        if not migrate:
            require_sqlite_file(database_url)  # do not create an empty file by looking
        engine = create_ledger_engine(database_url)
        try:
            if migrate:
                upgrade_database(engine)
            else:
                require_current_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        service = cls(
            engine=engine,
            store=SqlLedgerStore(engine, seal_key, lock_timeout=lock_timeout),
            registry=full_registry(),
            operator_key=operator_key,
            checkpoint_policy=checkpoint_policy or CheckpointPolicy(),
            clock=clock,
        )
        if migrate:
            service.reseal_if_needed()
        return service

    def submit(self, signed: SignedStatement) -> AppendResult:
        """Append a signed statement (idempotent on retry); then, in the operator's process,
        sign a checkpoint if one is due (``api.services.checkpointer``).

        Thread-safe, and cheaper when called concurrently: statements submitted while another
        is being committed are committed together next, each judged on its own
        (``api.services.group_commit``).
        """
        return self.group.submit(signed)

    def _submit_one(self, signed: SignedStatement) -> AppendResult:
        """One statement in its own transaction."""
        result = append(self.store, self.registry, signed, clock=self.clock)
        if result.created:
            self._after_append(result.entry.seq)
        return result

    def submit_batch(
        self, statements: Sequence[SignedStatement | LedgerError]
    ) -> list[BatchOutcome]:
        """Append many signed statements in one transaction, each admitted or refused on its
        own (``ledger.chain.append_batch``; an item given as a ``LedgerError`` could not be
        decoded and is refused with it); then sign a checkpoint if one is due, once.

        Raises:
            StorageUnavailableError, IntegrityError: nothing of the batch was recorded.
        """
        outcomes = append_batch(self.store, self.registry, statements, clock=self.clock)
        created = [o.entry.seq for o in outcomes if isinstance(o, AppendResult) and o.created]
        if created:
            self._after_append(max(created))
        return outcomes

    def _after_append(self, last_seq: int) -> None:
        """In the operator's process, sign a checkpoint if one is due now that entries up to
        ``last_seq`` are committed."""
        checkpointer = self.checkpointer
        if checkpointer is None:
            return
        try:
            checkpointer.after_append(last_seq + 1)
        except Exception:
            # The entries are committed and acknowledged whatever happens here; the
            # scheduled tick signs the checkpoint on its next run.
            logger.exception("could not sign a checkpoint after appending entry %s", last_seq)

    def head(self) -> Head:
        """The current chain head."""
        return self.store.head()

    def entry(self, seq: int) -> Entry:
        """One entry by seq."""
        return self.store.get(seq)

    def entry_by_hash(self, entry_hash: bytes) -> Entry:
        """One entry by its hash."""
        return self.store.get_by_hash(entry_hash)

    def entries(self, start: int, limit: int) -> list[Entry]:
        """A page of entries."""
        return self.store.entries(start, limit)

    # ------------------------------------------------------------------ transparency

    def log_info(self) -> LogInfo:
        """Origin and operator key, as recorded in genesis.

        Raises:
            CheckpointError: the ledger has no genesis yet.
        """
        with self.store.reading() as cursor:
            state = SqlState(cursor)
            genesis = genesis_info(state)
            if genesis is None:
                raise CheckpointError("the ledger has no genesis entry yet")
            key_doc = state.get("key", genesis["operator_key_id"])
        assert key_doc is not None  # noqa: S101 - genesis always writes the operator key
        public = Ed25519PublicKey.from_public_bytes(decode_public_key(key_doc["public_key"]))
        origin = str(genesis["origin"])
        return LogInfo(
            origin=origin,
            operator_key_id=str(genesis["operator_key_id"]),
            operator_public_key=public,
            verifier_key=verifier_key_string(origin, public),
        )

    @property
    def checkpointer(self) -> Checkpointer | None:
        """Who signs checkpoints here: ``None`` unless this process holds the operator key."""
        if self.operator_key is None:
            return None
        if self._checkpointer is None:
            self._checkpointer = Checkpointer(
                self.store,
                lambda: self.log_info().origin,
                self.operator_key,
                self.checkpoint_policy,
            )
        return self._checkpointer

    def latest_checkpoint(self) -> StoredCheckpoint:
        """The latest signed checkpoint kept: what readers get. Never signs anything.

        Raises:
            CheckpointError: none was issued yet.
        """
        latest = self.store.latest_checkpoint()
        if latest is None:
            raise CheckpointError(
                "no checkpoint issued yet: the log operator signs one after the next append "
                "(or run `biotraza checkpoint`)"
            )
        return latest

    def issue_checkpoint(self) -> StoredCheckpoint:
        """Sign a checkpoint of the current tree now (the operator's CLI and scheduler).

        Raises:
            CheckpointError: this process does not hold the operator key.
        """
        checkpointer = self.checkpointer
        if checkpointer is None:
            raise CheckpointError("this process has no operator key to sign a checkpoint")
        return checkpointer.issue()

    def inclusion(self, seq: int, tree_size: int | None = None) -> InclusionProofDocument:
        """Inclusion proof of entry ``seq`` (in the current tree by default)."""
        with self.store.snapshot() as snapshot:
            size = tree_size if tree_size is not None else snapshot.head().size
            leaf = snapshot.entry_hash(seq) if 0 <= seq < snapshot.head().size else None
            return inclusion_document(snapshot, seq, size, leaf or bytes(32))

    def inclusions(self, seqs: Sequence[int], tree_size: int) -> list[InclusionProofDocument]:
        """Inclusion proofs of many entries in the tree of ``tree_size``, from one snapshot
        (a phone proving a whole sync at once: one request instead of one per entry).

        Raises:
            ProofError: a seq or the size is outside the log.
        """
        with self.store.snapshot() as snapshot:
            size = snapshot.head().size
            return [
                inclusion_document(
                    snapshot,
                    seq,
                    tree_size,
                    (snapshot.entry_hash(seq) if 0 <= seq < size else None) or bytes(32),
                )
                for seq in seqs
            ]

    def consistency(self, first: int, second: int | None = None) -> ConsistencyProofDocument:
        """Consistency proof from tree size ``first`` to ``second`` (current by default)."""
        with self.store.snapshot() as snapshot:
            size = second if second is not None else snapshot.head().size
            return consistency_document(snapshot, first, size)

    # ------------------------------------------------------------------ verification

    def verify(
        self, on_entry: Callable[[int], None] | None = None, workers: int | None = None
    ) -> ChainVerification:
        """Re-verify every stored entry from genesis, the stored Merkle tree and checkpoints.

        ``workers`` processes check signatures beside the replay; by default one per extra
        core for ledgers large enough to repay starting them.

        Raises:
            IntegrityError: the first bad entry (``seq`` set), or a tree/checkpoint mismatch.
        """
        if workers is None:
            workers = signature_workers(self.head().size)
        result = verify_stored_leaves(
            self.store.stored_leaves(), self.registry, on_entry=on_entry, workers=workers
        )
        if result.size == 0:
            return result
        nodes = InMemoryNodes(result.leaf_hashes)
        self._check_stored_tree(nodes)
        self._check_projections(result)
        info = self.log_info()
        try:
            check_checkpoints(
                self.store.checkpoints(),
                lambda size: bytes(nodes.root(size)) if size <= result.size else b"",
                info.origin,
                info.operator_public_key,
            )
        except CheckpointError as exc:
            raise IntegrityError(f"checkpoint check failed: {exc}") from exc
        return result

    def _check_projections(self, result: ChainVerification) -> None:
        """The stored projection documents and links equal their replay (issue 15 item 6):
        appends read them, so a row changed behind the ledger's back is named here.

        Raises:
            IntegrityError: naming the first document or link that differs.
        """
        documents, links = self.store.projection_rows(), self.store.link_rows()
        head_size = self.store.head().size
        check_projection_documents(documents, result.state, result.size, head_size)
        check_links(links, result.state, result.size, head_size)
        self.store.check_seals()

    def _check_stored_tree(self, nodes: InMemoryNodes) -> None:
        """Every stored Merkle node equals the one recomputed from the verified entries, none
        is missing, and the root read the way proofs read it matches.

        Nodes over entries appended after the verification read are skipped: they are
        another snapshot's, and the next verification covers them. A node over entries that
        do not exist even after the scan was written by no append.

        Raises:
            HashMismatchError: a stored node differs from the recomputed one.
            IntegrityError: a node is missing or lies beyond the head, or the root cannot
                be read.
        """
        size, kept, reach = nodes.size, 0, 0
        for level, index, value in self.store.stored_nodes():
            if (index + 1) << level > size:
                reach = max(reach, (index + 1) << level)
                continue
            expected = nodes.get_node(level, index)
            if value != expected:
                raise HashMismatchError(
                    f"stored merkle node (level {level}, index {index}) is {value.hex()}, "
                    f"the entries give {expected.hex()}"
                )
            kept += level >= STORED_FROM_LEVEL
        if reach > self.store.head().size:
            raise IntegrityError(
                f"a stored merkle node covers entries up to seq {reach - 1}, beyond the head"
            )
        if kept != stored_node_count(size):
            raise IntegrityError(
                f"merkle node table incomplete: {kept} of the {stored_node_count(size)} nodes "
                f"from level {STORED_FROM_LEVEL} up are stored for {size} entries"
            )
        recomputed = nodes.root(size)
        try:
            stored = root_at(self.store, size)
        except (EntryNotFoundError, KeyError) as exc:
            raise IntegrityError(f"merkle node table incomplete: {exc}") from exc
        if stored != recomputed:
            raise HashMismatchError(
                f"stored merkle tree root {stored.hex()} != recomputed {recomputed.hex()}"
            )

    def rebuild(self, on_entry: Callable[[int], None] | None = None, attempts: int = 5) -> int:
        """Drop and replay every projection from the ledger; return the entries replayed.

        The replay runs without the lock; the swap runs under it and only if no entry was
        appended meanwhile (otherwise the replay is repeated).

        Raises:
            IntegrityError: the ledger does not verify (nothing is replaced then).
            ConflictError: the ledger kept growing through every attempt.
        """
        for attempt in range(attempts):
            result = verify_stored_leaves(
                self.store.stored_leaves(), self.registry, on_entry=on_entry
            )
            try:
                self.store.replace_projections(
                    result.state.dump(), result.state.dump_links(), expected_size=result.size
                )
            except ConflictError:
                if attempt == attempts - 1:
                    raise
                continue
            return result.size
        raise AssertionError("unreachable")  # pragma: no cover

    def reseal_if_needed(self, on_entry: Callable[[int], None] | None = None) -> int | None:
        """After the upgrade that introduced seals (or a first start with a seal key): if no
        projection row has a seal yet and this service holds the key, rebuild them from the
        verified entries, sealed. Returns the entries replayed, or ``None`` when nothing
        needed it.

        Only when *no* row is sealed: a ledger with some sealed rows and some not had rows
        changed, and appends refuse them until ``ledger verify`` has named them and the
        operator has run ``ledger rebuild``.
        """
        if self.store.sealer is None:
            return None
        unsealed = self.store.unsealed_rows()
        if not unsealed or unsealed != len(self.store.projection_rows()):
            return None
        try:
            return self.rebuild(on_entry)
        except IntegrityError:
            return None  # appends refuse the unsealed rows; `ledger verify` says why

    def describe(self) -> dict[str, Any]:
        """A short summary for the CLI and the index page."""
        head = self.head()
        return {"size": head.size, "head_hash": head.last_hash.hex()}

    def close(self) -> None:
        """Release database connections."""
        self.store.close()
        self.engine.dispose()
