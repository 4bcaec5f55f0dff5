"""C2SP tlog-checkpoint tree heads carried in C2SP signed notes with Ed25519 keys.

A checkpoint (c2sp.org/tlog-checkpoint) is three or more newline-terminated lines: the log
origin, the tree size in decimal, the base64 root hash, then optional extension lines. A
signed note (c2sp.org/signed-note) is that text, a blank line, and one line per signature::

    example.com/log
    646
    kNum4JmdViJPfZLMRB3xPi6flATj2JzJSiF+1pQDzNQ=

    — example.com/log <base64(key ID (4 bytes) ‖ Ed25519 signature (64 bytes))>

The signed message is the note text including its final newline (not the blank line). The
key ID is ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]`` and the verifier key
string is ``name+hex(key ID)+base64(0x01 ‖ public key)``, as in golang.org/x/mod/sumdb/note,
so checkpoints signed here open with Go and sigstore tooling, and theirs open here.

Parsing is strict: one spelling per value (canonical padded base64, decimal sizes without
leading zeros, at most ``2**63 - 1``), no ASCII control characters but newline, and a
signature from a known key that fails to verify rejects the whole note (the spec's SHOULD).

Errors: malformed or unverifiable notes and checkpoint texts (data) raise
:class:`~ledger.errors.CheckpointError`; bad arguments from callers (an invalid key name, a
:class:`Checkpoint` built with bad fields, a malformed verifier key string) raise
``ValueError``, as ``ledger.errors`` prescribes.

Left out on purpose: signature types other than Ed25519 (0x01) such as witness
cosignatures (0x04) or ML-DSA, which are treated as signatures from unknown keys; the Go
``PRIVATE+KEY+…`` private-key string format (keys live in ``ledger.keystore``); key
rotation policy; fetching checkpoints; and checking them against Merkle proofs
(``ledger.merkle``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.errors import CheckpointError
from ledger.hashing import HASH_SIZE

__all__ = [
    "ED25519_SIGNATURE_TYPE",
    "MAX_SIGNATURES",
    "MAX_TREE_SIZE",
    "Checkpoint",
    "VerifierSpec",
    "note_key_id",
    "open_note",
    "parse_verifier_key",
    "sign_checkpoint",
    "sign_note",
    "verifier_key_string",
    "verify_checkpoint",
]

ED25519_SIGNATURE_TYPE = 0x01
"""C2SP signed-note signature type byte for plain Ed25519 note signatures."""

MAX_SIGNATURES = 100
"""Most signature lines :func:`open_note` reads (the spec requires at least 16; Go uses 100)."""

MAX_TREE_SIZE = 2**63 - 1
"""Largest tree size accepted: Go's ``int64`` checkpoint parser and SQL ``BIGINT`` agree."""

VerifierSpec = str | tuple[str, Ed25519PublicKey]
"""A trusted key: a verifier key string, or a ``(key name, public key)`` pair."""

_SIG_PREFIX = "\u2014 "  # em dash, space: C2SP signed-note "Format"
_ED25519_SIGNATURE_SIZE = 64
_PUBLIC_KEY_SIZE = 32
_KEY_ID_SIZE = 4
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*", re.ASCII)
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}", re.ASCII)


# --------------------------------------------------------------------------- helpers


def _bad_char(text: str) -> str | None:
    """Return a description of the first character a signed note may not hold, if any.

    C2SP signed-note "Format": valid UTF-8 (a ``str`` is, unless it holds a lone surrogate)
    and no ASCII control characters (below U+0020) other than newline.
    """
    for position, char in enumerate(text):
        code = ord(char)
        if (code < 0x20 and char != "\n") or 0xD800 <= code <= 0xDFFF:
            return f"U+{code:04X} at offset {position}"
    return None


def _is_valid_key_name(name: str) -> bool:
    """C2SP signed-note: non-empty, no Unicode spaces, no ``+``, and no control characters."""
    return (
        bool(name)
        and "+" not in name
        and not any(char.isspace() for char in name)
        and _bad_char(name) is None
    )


def _b64_decode_strict(text: str) -> bytes:
    """Decode standard padded base64 (RFC 4648 §4) that must be spelled canonically.

    Raises:
        ValueError: bad alphabet or padding, or non-zero unused trailing bits.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError(f"expected standard base64, found {text!r}") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"expected canonical base64, found {text!r}")
    return raw


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def note_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """Return the 4-byte key ID ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]``.

    C2SP signed-note "Ed25519 signatures".

    Raises:
        ValueError: ``name`` is not a valid key name.
    """
    if not _is_valid_key_name(name):
        raise ValueError(f"expected a non-empty key name without spaces or '+', found {name!r}")
    material = (
        name.encode("utf-8") + b"\n" + bytes([ED25519_SIGNATURE_TYPE]) + _raw_public_key(public_key)
    )
    return hashlib.sha256(material).digest()[:_KEY_ID_SIZE]


# --------------------------------------------------------------------------- keys


def verifier_key_string(name: str, public_key: Ed25519PublicKey) -> str:
    """Return the verifier key string ``name+hex(key ID)+base64(0x01 ‖ public key)``.

    Raises:
        ValueError: ``name`` is not a valid key name.
    """
    key_id = note_key_id(name, public_key)
    encoded = _b64(bytes([ED25519_SIGNATURE_TYPE]) + _raw_public_key(public_key))
    return f"{name}+{key_id.hex()}+{encoded}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """Parse a verifier key string into ``(name, 4-byte key ID, public key)``.

    The key ID must be 8 lowercase hex digits and must equal the ID computed from the name
    and key, so a typo cannot make a key silently match nothing.

    Raises:
        ValueError: malformed string, signature type other than Ed25519 (0x01), or a key ID
            that does not match the name and key.
    """
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise ValueError(f"expected 'name+keyid+base64key', found {vkey!r}")
    name, key_id_hex, key_b64 = parts
    if not _is_valid_key_name(name):
        raise ValueError(f"expected a non-empty key name without spaces or '+', found {name!r}")
    if not _KEY_ID_HEX.fullmatch(key_id_hex):
        raise ValueError(f"expected 8 lowercase hex digits of key ID, found {key_id_hex!r}")
    key_material = _b64_decode_strict(key_b64)
    if len(key_material) != 1 + _PUBLIC_KEY_SIZE:
        raise ValueError(
            f"expected {1 + _PUBLIC_KEY_SIZE} bytes of key material, found {len(key_material)}"
        )
    if key_material[0] != ED25519_SIGNATURE_TYPE:
        raise ValueError(
            f"expected signature type 0x{ED25519_SIGNATURE_TYPE:02x} (ed25519), "
            f"found 0x{key_material[0]:02x}"
        )
    public_key = Ed25519PublicKey.from_public_bytes(key_material[1:])
    key_id = note_key_id(name, public_key)
    if key_id.hex() != key_id_hex:
        raise ValueError(f"expected key ID {key_id.hex()} for {name!r}, found {key_id_hex}")
    return name, key_id, public_key


# --------------------------------------------------------------------------- notes


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """Return ``text`` signed as a C2SP signed note with one Ed25519 signature line.

    Ed25519 (RFC 8032) is deterministic, so the same text, name and key always give the same
    note, byte for byte.

    Raises:
        ValueError: ``text`` is empty, does not end in a newline, or holds a control character
            other than newline; or ``name`` is not a valid key name.
    """
    if not text.endswith("\n"):
        raise ValueError("expected note text ending in a newline, found none")
    bad = _bad_char(text)
    if bad is not None:
        raise ValueError(f"expected note text without control characters, found {bad}")
    key_id = note_key_id(name, private_key.public_key())
    signature = private_key.sign(text.encode("utf-8"))
    return f"{text}\n{_SIG_PREFIX}{name} {_b64(key_id + signature)}\n"


def _known_keys(
    verifiers: Iterable[VerifierSpec],
) -> dict[tuple[str, bytes], Ed25519PublicKey]:
    known: dict[tuple[str, bytes], Ed25519PublicKey] = {}
    for spec in verifiers:
        if isinstance(spec, str):
            name, key_id, public_key = parse_verifier_key(spec)
        else:
            name, public_key = spec
            key_id = note_key_id(name, public_key)
        previous = known.get((name, key_id))
        if previous is not None and _raw_public_key(previous) != _raw_public_key(public_key):
            raise ValueError(f"expected one key per name and key ID, found two for {name!r}")
        known[(name, key_id)] = public_key
    return known


def open_note(note: str, verifiers: Iterable[VerifierSpec]) -> tuple[str, list[str]]:
    """Check a signed note against trusted keys; return its text and the names that signed.

    C2SP signed-note: the text is everything up to and including the newline before the
    *last* blank line. Signatures whose ``(name, key ID)`` matches no trusted key are ignored
    (also when only one of the two matches); a known key's signature must verify; a repeated
    signature by the same known key is skipped, as Go does. At least one known key must
    have signed.

    Args:
        note: the whole signed note.
        verifiers: trusted keys, as verifier key strings or ``(name, public key)`` pairs.

    Returns:
        ``(text, names)``: the signed text, including its final newline, and the key names
        whose signatures verified, in note order.

    Raises:
        CheckpointError: the note is malformed, a known key's signature does not verify, or
            no known key signed it.
        ValueError: a verifier is malformed, or two differ but share name and key ID.
    """
    known = _known_keys(verifiers)
    bad = _bad_char(note)
    if bad is not None:
        raise CheckpointError(f"malformed note: expected no control characters, found {bad}")
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("malformed note: expected a blank line before signatures, found none")
    text, signature_block = note[: split + 1], note[split + 2 :]
    if not signature_block.endswith("\n"):
        raise CheckpointError("malformed note: expected signature lines ending in a newline")
    lines = signature_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise CheckpointError(
            f"malformed note: expected at most {MAX_SIGNATURES} signatures, found {len(lines)}"
        )
    message = text.encode("utf-8")
    verified: list[str] = []
    seen: set[tuple[str, bytes]] = set()
    unknown: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(_SIG_PREFIX):
            raise CheckpointError(
                f"malformed note: expected signature line {number} to start with an em dash "
                f"and a space, found {line[:16]!r}"
            )
        name, _, encoded = line[len(_SIG_PREFIX) :].partition(" ")
        if not _is_valid_key_name(name):
            raise CheckpointError(f"malformed note: invalid key name {name!r} on line {number}")
        try:
            blob = _b64_decode_strict(encoded)
        except ValueError as exc:
            raise CheckpointError(f"malformed note: signature line {number}: {exc}") from None
        if len(blob) <= _KEY_ID_SIZE:
            raise CheckpointError(
                f"malformed note: expected more than {_KEY_ID_SIZE} signature bytes on line "
                f"{number}, found {len(blob)}"
            )
        key_id, signature = blob[:_KEY_ID_SIZE], blob[_KEY_ID_SIZE:]
        public_key = known.get((name, key_id))
        if public_key is None:
            unknown.append(f"{name}+{key_id.hex()}")
            continue
        if (name, key_id) in seen:
            continue
        seen.add((name, key_id))
        if len(signature) != _ED25519_SIGNATURE_SIZE:
            raise CheckpointError(
                f"signature by {name}+{key_id.hex()} is invalid: expected "
                f"{_ED25519_SIGNATURE_SIZE} bytes, found {len(signature)}"
            )
        try:
            public_key.verify(signature, message)
        except InvalidSignature:
            raise CheckpointError(
                f"signature by {name}+{key_id.hex()} does not verify over the note text"
            ) from None
        verified.append(name)
    if not verified:
        raise CheckpointError(
            f"no signature from a known key: expected one of "
            f"{sorted(f'{n}+{k.hex()}' for n, k in known)}, found {unknown}"
        )
    return text, verified


# --------------------------------------------------------------------------- checkpoints


def _check_line(value: str, what: str) -> None:
    if not value:
        raise ValueError(f"expected a non-empty {what}, found an empty one")
    if "\n" in value:
        raise ValueError(f"expected {what} on one line, found a newline at {value.index(chr(10))}")
    bad = _bad_char(value)
    if bad is not None:
        raise ValueError(f"expected {what} without control characters, found {bad}")


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint note text: origin, tree size, root hash, extension lines.

    Attributes:
        origin: the log's unique identity; non-empty (c2sp.org/tlog-checkpoint allows any
            text, and recommends a schema-less URL that also serves as the key name).
        tree_size: number of leaves, ``0 <= tree_size <= MAX_TREE_SIZE``.
        root_hash: the 32-byte RFC 9162 root of the tree of ``tree_size`` leaves.
        extensions: optional extra lines, each non-empty (NOT RECOMMENDED by the spec).
    """

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Validate the fields.

        Raises:
            ValueError: any field is out of its domain (see the class attributes).
        """
        _check_line(self.origin, "origin")
        if (
            isinstance(self.tree_size, bool)
            or not isinstance(self.tree_size, int)
            or not 0 <= self.tree_size <= MAX_TREE_SIZE
        ):
            raise ValueError(
                f"expected an int tree size in [0, {MAX_TREE_SIZE}], found {self.tree_size!r}"
            )
        if not isinstance(self.root_hash, bytes):
            raise ValueError(f"expected root hash as bytes, found {type(self.root_hash).__name__}")
        if len(self.root_hash) != HASH_SIZE:
            raise ValueError(
                f"expected a {HASH_SIZE}-byte root hash, found {len(self.root_hash)} bytes"
            )
        if not isinstance(self.extensions, tuple):
            raise ValueError(
                f"expected extensions as a tuple, found {type(self.extensions).__name__}"
            )
        for extension in self.extensions:
            _check_line(extension, "extension line")

    def to_text(self) -> str:
        """Return the note text: each line newline-terminated, root in padded base64."""
        lines = [self.origin, str(self.tree_size), _b64(self.root_hash), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text strictly (c2sp.org/tlog-checkpoint "Note text").

        Raises:
            CheckpointError: missing final newline, fewer than three lines, an empty line,
                a control character, a size that is not canonical decimal (no sign, no
                leading zeros, no ``_``, ASCII digits only) or exceeds ``MAX_TREE_SIZE``, or
                a root that is not canonical base64 of 32 bytes.
        """
        if not text.endswith("\n"):
            raise CheckpointError("malformed checkpoint: expected a final newline, found none")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError(
                f"malformed checkpoint: expected at least 3 lines, found {len(lines)}"
            )
        for number, line in enumerate(lines, start=1):
            if not line:
                raise CheckpointError(f"malformed checkpoint: expected line {number} non-empty")
            bad = _bad_char(line)
            if bad is not None:
                raise CheckpointError(
                    f"malformed checkpoint: expected no control characters, found {bad} "
                    f"on line {number}"
                )
        origin, size_text, root_text, *extensions = lines
        if not _TREE_SIZE.fullmatch(size_text):
            raise CheckpointError(
                f"malformed checkpoint: expected a decimal tree size without leading zeros, "
                f"found {size_text[:32]!r}"
            )
        if len(size_text) > len(str(MAX_TREE_SIZE)) or int(size_text) > MAX_TREE_SIZE:
            raise CheckpointError(
                f"malformed checkpoint: expected a tree size <= {MAX_TREE_SIZE}, "
                f"found {size_text[:32]}"
            )
        try:
            root_hash = _b64_decode_strict(root_text)
        except ValueError as exc:
            raise CheckpointError(f"malformed checkpoint: root hash: {exc}") from None
        if len(root_hash) != HASH_SIZE:
            raise CheckpointError(
                f"malformed checkpoint: expected a {HASH_SIZE}-byte root hash, "
                f"found {len(root_hash)} bytes"
            )
        return cls(origin, int(size_text), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, name: str, private_key: Ed25519PrivateKey) -> str:
    """Return ``checkpoint`` as a signed note with one Ed25519 signature by ``name``.

    c2sp.org/tlog-checkpoint says the key name SHOULD equal the origin; this function does
    not insist, :func:`verify_checkpoint` does by default.

    Raises:
        ValueError: ``name`` is not a valid key name.
    """
    return sign_note(checkpoint.to_text(), name, private_key)


def verify_checkpoint(
    note: str, name: str, public_key: Ed25519PublicKey, *, origin: str | None = None
) -> Checkpoint:
    """Open a signed checkpoint with the log's key and return the parsed checkpoint.

    Signatures by other keys (witnesses, rotated keys) are ignored, per the spec.

    Args:
        note: the signed note.
        name: the log's key name.
        public_key: the log's Ed25519 public key.
        origin: the origin line to expect; defaults to ``name``.

    Raises:
        CheckpointError: the note is malformed, not signed by this key, carries a bad
            signature by this key, its text is not a valid checkpoint, or its origin is not
            the expected one.
        ValueError: ``name`` is not a valid key name.
    """
    text, _ = open_note(note, [(name, public_key)])
    checkpoint = Checkpoint.from_text(text)
    expected_origin = name if origin is None else origin
    if checkpoint.origin != expected_origin:
        raise CheckpointError(
            f"expected checkpoint origin {expected_origin!r}, found {checkpoint.origin!r}"
        )
    return checkpoint
