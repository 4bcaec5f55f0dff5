"""The verifiers' error tree, rooted in the ledger's.

Every class is a fact about data (a standard file, evidence, a certifier, recorded findings),
never about how the caller called us: bad arguments stay ``ValueError``/``TypeError``, as in
the ledger. The HTTP layer maps the whole ``VerificationError`` branch to 422::

    LedgerError                      (ledger.errors)
    └── VerificationError
        ├── StandardError            a standard file or dict is invalid; .errors = [(path, reason)]
        ├── RuleEvaluationError      the rule engine cannot evaluate (no applicable criteria,
        │                            no subjects, product not covered): fail closed
        ├── RuleViolationError       an evaluation did not pass; .criterion_ids names the failures
        │                            (defined in verifiers.rules beside the Evaluation it carries,
        │                            so that this module imports nothing of the package)
        ├── EligibilityError         a lot is not eligible for a biolabel
        ├── FindingsMismatchError    recorded (signed) findings differ from the engine's own
        └── CredentialError          a verifiable credential or its Data Integrity proof does
                                     not verify (malformed, wrong suite, bad signature,
                                     content not backed by the log, revoked)

Left out: signature errors (``ledger.errors.SignatureError`` serves every package), a
certifier acting outside its accreditation (standard, product, scope or date: that is
``ledger.errors.AuthorizationError``, HTTP 403, like any other key acting beyond its role) and
the HTTP mapping itself (``api/http/errors.py``).
"""

from __future__ import annotations

from ledger.errors import LedgerError

__all__ = [
    "CredentialError",
    "EligibilityError",
    "FindingsMismatchError",
    "RuleEvaluationError",
    "StandardError",
    "VerificationError",
]


class VerificationError(LedgerError):
    """Root of every error the verifiers raise about data."""


class StandardError(VerificationError):
    """A standard (file or dict) is invalid: unknown operator, missing translation, …

    ``errors`` lists every problem found as ``(dotted JSON path, reason)`` pairs, e.g.
    ``("criteria.2.threshold", "operator gte expects a number, found str")``, so an editor of a
    standard file sees all of them at once. The root of the document is ``"$"``.
    """

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors: list[tuple[str, str]] = list(errors or [])


class RuleEvaluationError(VerificationError):
    """The rule engine refuses to evaluate: nothing (or not the right thing) to check.

    Verification fails closed: a standard with no criterion applicable to the given subjects
    is an error, never a vacuous pass.
    """


class EligibilityError(VerificationError):
    """A lot is not eligible for a biolabel (origins, inputs, mass balance or lot criteria)."""


class FindingsMismatchError(VerificationError):
    """Findings recorded (and signed) by a certifier differ from the engine's own findings."""


class CredentialError(VerificationError):
    """A verifiable credential does not verify: its proof, its content or its status.

    ``field`` names the JSON path of the offending member (``"proof.proofValue"``,
    ``"credentialSubject.seasons.0"``) so that the CLI, the API and the verifier page can say
    exactly what is wrong.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
