"""The labels package's public surface: every name in ``__all__`` exists and is what the
submodules define (httpx's ``test_exported_members``)."""

from __future__ import annotations

import labels
from labels import errors, issuance, payload, trustlist, verify


def test_exported_members() -> None:
    for name in labels.__all__:
        assert hasattr(labels, name), name
    assert labels.check_label is verify.check_label
    assert labels.TrustList is trustlist.TrustList
    assert labels.parse_label is payload.parse_label
    assert labels.label_entry_types is issuance.label_entry_types
    assert issubclass(labels.MalformedLabelError, errors.LabelError)
    assert sorted(labels.__all__) == labels.__all__
    names = {t.name for t in labels.label_entry_types()}
    assert names == {"label.issued", "label.revoked", "label.resolvers"}
    assert [s.name for s in labels.LabelStatus] == [
        "VALID", "VALID_UNTRUSTED_HOST", "REVOKED", "EXPIRED_KEY", "UNKNOWN_KEY",
        "BAD_SIGNATURE", "MALFORMED",
    ]  # fmt: skip
