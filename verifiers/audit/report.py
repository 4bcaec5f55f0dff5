"""The auditor's answer: what was checked, what failed and where, and what the trail says.

An :class:`AuditReport` is truthy only when every step ran and nothing failed (fail closed:
a step that could not run because an earlier one failed is listed as not run, which is
itself a failure). Each :class:`Failure` names its place in the bundle — the line, the
entry's seq and the field (``checkpoint``, ``header.lot_id``, ``entries[seq=17].proof``…) —
so a tampered byte is pointed at, not just detected.

Left out: the checks themselves (``verifiers.audit.verify``) and how a report is shown
(``api.cli.audit``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from verifiers.errors import VerificationError

__all__ = ["STEPS", "AuditReport", "BundleError", "Check", "Failure"]

STEPS: tuple[tuple[str, str], ...] = (
    ("layout", "the file is the bundle format, in its one canonical layout"),
    ("checkpoint", "the checkpoint is signed by the operator key and matches the header"),
    ("entries", "every leaf is canonical, hashes to its stated hash, and seqs ascend"),
    ("proofs", "every entry's inclusion proof leads to the checkpoint's root"),
    ("genesis", "the bundle's genesis names this operator key and origin"),
    ("signatures", "every statement's Ed25519 signature verifies with its signer's key"),
    ("authorization", "every signer's key was active, with a role allowed to write the entry"),
    ("mass-balance", "harvest, transformation and custody rules hold, replayed in seq order"),
    ("verifications", "every verification's findings equal the rule engine's re-evaluation"),
    ("rules", "every other rule of every entry type holds at its position"),
    ("trail", "the entries are exactly the trail of the header's lot"),
)
"""The numbered steps, in order: (name, what it establishes)."""


@dataclass(frozen=True)
class Failure:
    """One thing that did not check out, and where."""

    step: str
    where: str
    message: str
    line: int | None = None
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "step": self.step,
            "where": self.where,
            "message": self.message,
            "line": self.line,
            "seq": self.seq,
        }

    def __str__(self) -> str:
        at = f"line {self.line}: " if self.line is not None else ""
        return f"[{self.step}] {at}{self.where}: {self.message}"


@dataclass(frozen=True)
class Check:
    """One step: how many things it checked, and whether it ran at all."""

    number: int
    step: str
    description: str
    checked: int
    ran: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "number": self.number,
            "step": self.step,
            "description": self.description,
            "checked": self.checked,
            "ran": self.ran,
        }


@dataclass
class AuditReport:
    """Everything ``audit verify`` found; truthy iff the bundle verified."""

    lot_id: str | None = None
    origin: str | None = None
    tree_size: int | None = None
    entry_count: int = 0
    checks: list[Check] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    failure_count: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    cannot_check: list[str] = field(default_factory=list)

    MAX_LISTED = 200
    """Failures kept in the list (all are counted): one broken key can fail thousands."""

    @property
    def ok(self) -> bool:
        """Every step ran and nothing failed."""
        return self.failure_count == 0 and bool(self.checks) and all(c.ran for c in self.checks)

    def __bool__(self) -> bool:
        return self.ok

    def fail(self, failure: Failure) -> None:
        """Record a failure (kept in the list up to ``MAX_LISTED``)."""
        self.failure_count += 1
        if len(self.failures) < self.MAX_LISTED:
            self.failures.append(failure)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, for ``audit verify --json``."""
        return {
            "ok": self.ok,
            "lot_id": self.lot_id,
            "origin": self.origin,
            "tree_size": self.tree_size,
            "entry_count": self.entry_count,
            "checks": [c.to_dict() for c in self.checks],
            "failure_count": self.failure_count,
            "failures": [f.to_dict() for f in self.failures],
            "summary": self.summary,
            "cannot_check": self.cannot_check,
        }


class BundleError(VerificationError):
    """A trail bundle failed verification; ``report`` says where and why."""

    def __init__(self, report: AuditReport) -> None:
        first = report.failures[0] if report.failures else None
        detail = str(first) if first else "a verification step did not run"
        super().__init__(
            f"trail bundle does not verify: {report.failure_count} failure(s); first: {detail}"
        )
        self.report = report
