"""Multibase base58-btc and ``did:key`` Ed25519 keys, as W3C Data Integrity spells them.

``eddsa-jcs-2022`` writes a proof value as ``"z" + base58btc(signature)`` and names keys with
``did:key:z6Mk…`` (``"z" + base58btc(0xed 0x01 || raw public key)``). Both spellings are
strict here: one accepted text per value, like ``ledger.encoding``, so two strings never name
one signature.

Left out: other multibase prefixes and multicodec key types (nothing we sign uses them).
"""

from __future__ import annotations

__all__ = [
    "base58btc_decode",
    "base58btc_encode",
    "did_key_from_public",
    "multibase_decode",
    "multibase_encode",
    "public_from_did_key",
    "public_from_multikey",
    "multikey_from_public",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
_ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec "ed25519-pub", varint-encoded
_PUBLIC_KEY_SIZE = 32


def base58btc_encode(data: bytes) -> str:
    """Encode bytes in the Bitcoin base58 alphabet (leading zero bytes become ``"1"``)."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(_ALPHABET[rest])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Decode base58-btc text.

    Raises:
        ValueError: a character outside the alphabet.
    """
    number = 0
    for char in text:
        try:
            number = number * 58 + _INDEX[char]
        except KeyError:
            raise ValueError(f"{char!r} is not a base58-btc character") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58-btc: ``"z"`` followed by the base58-btc text."""
    return "z" + base58btc_encode(data)


def multibase_decode(text: str, size: int | None = None) -> bytes:
    """Decode multibase base58-btc, checking the prefix and, if given, the decoded size.

    Raises:
        ValueError: not ``"z"``-prefixed base58-btc, or the wrong length.
    """
    if not text.startswith("z"):
        raise ValueError("multibase value must start with 'z' (base58-btc)")
    data = base58btc_decode(text[1:])
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes, got {len(data)}")
    return data


def multikey_from_public(public: bytes) -> str:
    """The Multikey ``publicKeyMultibase`` text of a raw Ed25519 public key (``z6Mk…``)."""
    if len(public) != _PUBLIC_KEY_SIZE:
        raise ValueError(f"ed25519 public key must be 32 bytes, got {len(public)}")
    return multibase_encode(_ED25519_PUB_PREFIX + public)


def public_from_multikey(text: str) -> bytes:
    """The raw Ed25519 public key of a ``z6Mk…`` Multikey value.

    Raises:
        ValueError: not an Ed25519 multikey.
    """
    data = multibase_decode(text, _PUBLIC_KEY_SIZE + len(_ED25519_PUB_PREFIX))
    if not data.startswith(_ED25519_PUB_PREFIX):
        raise ValueError("multikey is not an ed25519 public key (prefix 0xed01)")
    return data[len(_ED25519_PUB_PREFIX) :]


def did_key_from_public(public: bytes) -> str:
    """The ``did:key:z6Mk…#z6Mk…`` verification method of a raw Ed25519 public key."""
    multikey = multikey_from_public(public)
    return f"did:key:{multikey}#{multikey}"


def public_from_did_key(verification_method: str) -> bytes:
    """The raw Ed25519 public key named by a ``did:key`` verification method.

    The fragment, when present, must repeat the key (the did:key method's only form).

    Raises:
        ValueError: not a did:key Ed25519 verification method.
    """
    if not verification_method.startswith("did:key:"):
        raise ValueError("verification method is not a did:key")
    did, _, fragment = verification_method[len("did:key:") :].partition("#")
    if fragment and fragment != did:
        raise ValueError("did:key fragment must repeat the key")
    return public_from_multikey(did)
