"""Revocation of producer credentials: signed ledger entries and the W3C Bitstring Status List.

An association records every credential it issues with ``credential.issued`` (the credential's
``urn:uuid`` id and its index in the association's status list; nothing about the producer)
and withdraws one with ``credential.revoked``. Both are signed by the association's key, so a
revocation is as accountable as any other entry, and the ledger guarantees that an index is
given to one credential only.

The published list (W3C Bitstring Status List v1.0) is derived from those entries: bit *i*
(most significant bit of byte 0 first) is 1 when the credential at index *i* is revoked; the
bitstring is GZIP-compressed and written as multibase base64url (``"u"``). Its length is the
specification's minimum, 131,072 bits, so a list reveals little about how many credentials
an association issued (indices are drawn at random, for the same herd privacy).

Left out: status purposes other than ``revocation`` (suspension, messages) and list sizes
beyond one list per association.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import Field

from ledger.encoding import b64url_decode, b64url_encode
from ledger.registry import AppendContext, EntryType
from ledger.supply.common import Body, acting_org, require, rule
from verifiers.errors import CredentialError

__all__ = [
    "CREDENTIAL_KIND",
    "LIST_LENGTH",
    "STATUS_INDEX_KIND",
    "CredentialIssuedBody",
    "CredentialRevokedBody",
    "bit_is_set",
    "credential_entry_types",
    "decode_list",
    "encode_list",
    "status_entry",
    "status_list_document",
    "status_position",
]

CREDENTIAL_KIND = "credential"
"""Projection: credential id → ``{org_id, status_index, status, issued_seq, revoked_seq}``."""
STATUS_INDEX_KIND = "credential_status_index"
"""Projection: ``<org_id>:<index>`` → ``{credential_id}``, so an index is used once."""
LIST_LENGTH = 131_072
"""Bits in a status list: the W3C minimum (16 KB uncompressed), for herd privacy."""
_MAX_LIST_BYTES = 16 * 1024 * 1024
_URN_UUID = r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class CredentialIssuedBody(Body):
    """``credential.issued``: the association issued a credential with this status index."""

    credential_id: str = Field(pattern=_URN_UUID)
    status_index: int = Field(ge=0, lt=LIST_LENGTH)


class CredentialRevokedBody(Body):
    """``credential.revoked``: the association withdraws a credential it issued."""

    credential_id: str = Field(pattern=_URN_UUID)
    reason: str = Field(min_length=3, max_length=200)


def _apply_issued(ctx: AppendContext, body: CredentialIssuedBody) -> None:
    org_id = acting_org(ctx)
    rule(
        ctx.state.get(CREDENTIAL_KIND, body.credential_id) is None,
        f"credential {body.credential_id} is already recorded",
        "credential_id",
    )
    slot = f"{org_id}:{body.status_index}"
    taken = ctx.state.get(STATUS_INDEX_KIND, slot)
    rule(
        taken is None,
        f"status index {body.status_index} of {org_id} is already used by "
        f"{(taken or {}).get('credential_id')}",
        "status_index",
    )
    ctx.state.put(STATUS_INDEX_KIND, slot, {"credential_id": body.credential_id}, ctx.seq)
    ctx.state.put(
        CREDENTIAL_KIND,
        body.credential_id,
        {
            "credential_id": body.credential_id,
            "org_id": org_id,
            "status_index": body.status_index,
            "status": "active",
            "issued_seq": ctx.seq,
            "revoked_seq": None,
            "revoked_reason": None,
        },
        ctx.seq,
    )


def _apply_revoked(ctx: AppendContext, body: CredentialRevokedBody) -> None:
    org_id = acting_org(ctx)
    doc = require(
        ctx.state.get(CREDENTIAL_KIND, body.credential_id),
        f"unknown credential {body.credential_id}",
        "credential_id",
    )
    rule(
        doc["org_id"] == org_id,
        f"credential {body.credential_id} was issued by {doc['org_id']}",
        "credential_id",
    )
    rule(doc["status"] == "active", f"credential {body.credential_id} is revoked", "credential_id")
    ctx.state.put(
        CREDENTIAL_KIND,
        body.credential_id,
        {**doc, "status": "revoked", "revoked_seq": ctx.seq, "revoked_reason": body.reason},
        ctx.seq,
    )


def _issued_reads(body: CredentialIssuedBody) -> list[tuple[str, str]]:
    return [(CREDENTIAL_KIND, body.credential_id)]


def _revoked_reads(body: CredentialRevokedBody) -> list[tuple[str, str]]:
    return [(CREDENTIAL_KIND, body.credential_id)]


def credential_entry_types() -> list[EntryType]:
    """The entry types of credential issuance and revocation."""
    return [
        EntryType(
            "credential.issued",
            CredentialIssuedBody,
            frozenset({"association"}),
            _apply_issued,
            "An association records a credential it issued and its status-list index.",
            reads=_issued_reads,
        ),
        EntryType(
            "credential.revoked",
            CredentialRevokedBody,
            frozenset({"association"}),
            _apply_revoked,
            "An association revokes a credential it issued.",
            reads=_revoked_reads,
        ),
    ]


def encode_list(revoked: Iterable[int], length: int = LIST_LENGTH) -> str:
    """The ``encodedList`` of a status list: multibase base64url of the GZIP'd bitstring."""
    bits = bytearray(length // 8)
    for index in revoked:
        if not 0 <= index < length:
            raise ValueError(f"status index {index} outside a list of {length}")
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url_encode(gzip.compress(bytes(bits), mtime=0))


def decode_list(encoded: Any) -> bytes:
    """The bitstring of an ``encodedList``.

    Raises:
        CredentialError: not multibase base64url GZIP, or shorter than the W3C minimum.
    """
    field = "credentialSubject.encodedList"
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise CredentialError(field, "must be multibase base64url (starting with 'u')")
    try:
        compressed = b64url_decode(encoded[1:])
        decompressor = zlib.decompressobj(wbits=31)
        bits = decompressor.decompress(compressed, _MAX_LIST_BYTES)
    except (ValueError, zlib.error) as exc:
        raise CredentialError(field, f"not a GZIP'd bitstring: {exc}") from exc
    if decompressor.unconsumed_tail or len(bits) * 8 < LIST_LENGTH:
        raise CredentialError(field, f"a status list holds {LIST_LENGTH} to 2**27 bits")
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` is 1 (index 0 is the most significant bit of the first byte)."""
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_entry(list_url: str, index: int) -> dict[str, str]:
    """A credential's ``credentialStatus``: its position in the association's list."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_document(
    list_url: str, revoked: Iterable[int], valid_from: str, issuer: str
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` of an association's revocations."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_list(revoked),
        },
    }


_INDEX = re.compile(r"^(0|[1-9][0-9]{0,8})$")


def status_position(credential: Mapping[str, Any]) -> tuple[str, int]:
    """The status list URL and index a credential points to.

    Raises:
        CredentialError: ``credentialStatus`` is missing or malformed.
    """
    status = credential.get("credentialStatus")
    if not isinstance(status, Mapping) or status.get("type") != "BitstringStatusListEntry":
        raise CredentialError("credentialStatus", "missing or not a BitstringStatusListEntry")
    if status.get("statusPurpose") != "revocation":
        raise CredentialError("credentialStatus.statusPurpose", "must be 'revocation'")
    index = status.get("statusListIndex")
    if not isinstance(index, str) or not _INDEX.fullmatch(index) or int(index) >= LIST_LENGTH:
        raise CredentialError("credentialStatus.statusListIndex", "not an index in the list")
    url = status.get("statusListCredential")
    if not isinstance(url, str) or not url:
        raise CredentialError("credentialStatus.statusListCredential", "missing")
    return url, int(index)
