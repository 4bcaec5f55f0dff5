"""Table definitions, portable across SQLite and PostgreSQL.

``entries`` is the ledger: ``seq`` is the primary key, ``leaf`` holds the exact canonical bytes
that were hashed, and triggers (created by the migrations) reject UPDATE and DELETE.
``merkle_nodes`` holds the complete-subtree hashes from level 4 up (lower ones are folded from
the entries' hashes, ``ledger.merkle.STORED_FROM_LEVEL``), so proofs cost O(log n) reads.
``checkpoints`` keeps every signed checkpoint issued. ``state_objects`` is the projection
state of ``ledger.state`` — derived, rebuildable, and the only table that is ever updated.

Types are chosen to work on both engines: ``LargeBinary`` for hashes and bytes, ``Text`` for
canonical JSON, no server-side defaults.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "CheckpointRow",
    "EntryRow",
    "MerkleNodeRow",
    "PersonalDataRow",
    "StateLinkRow",
    "StateObjectRow",
]


class Base(DeclarativeBase):
    """Declarative base of the ledger's tables."""


class EntryRow(Base):
    """One ledger entry as stored."""

    __tablename__ = "entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    leaf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    actor: Mapped[str] = mapped_column(String(32), nullable=False)
    nonce: Mapped[str] = mapped_column(String(64), nullable=False)
    ts: Mapped[str] = mapped_column(String(32), nullable=False)

    __table_args__ = (
        UniqueConstraint("actor", "nonce", name="uq_entries_actor_nonce"),
        Index("ix_entries_type", "type"),
    )


class MerkleNodeRow(Base):
    """Hash of the complete subtree over leaves [index·2^level, (index+1)·2^level), for
    levels from ``ledger.merkle.STORED_FROM_LEVEL`` (4) up; none are kept below."""

    __tablename__ = "merkle_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)


class CheckpointRow(Base):
    """A signed checkpoint (C2SP signed note) the operator issued."""

    __tablename__ = "checkpoints"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False)
    issued_at: Mapped[str] = mapped_column(String(32), nullable=False)


class StateObjectRow(Base):
    """One projection document (``ledger.state``), stored as canonical JSON."""

    __tablename__ = "state_objects"

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    seal: Mapped[bytes | None] = mapped_column(LargeBinary(32), nullable=True)
    """HMAC of the row under the deployment's projection key (``ledger.seals``)."""


class StateLinkRow(Base):
    """A projection link ``src`` → ``dst`` of some kind (e.g. lot lineage)."""

    __tablename__ = "state_links"

    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    src: Mapped[str] = mapped_column(String(200), primary_key=True)
    dst: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)

    __table_args__ = (Index("ix_state_links_dst", "kind", "dst"),)


class PersonalDataRow(Base):
    """Names, CURP and contact of a producer: outside the ledger, erasable."""

    __tablename__ = "personal_data"

    producer_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    association_id: Mapped[str] = mapped_column(String(200), nullable=False)
    data: Mapped[str] = mapped_column(Text, nullable=False)
    salt: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[str] = mapped_column(String(32), nullable=False)
