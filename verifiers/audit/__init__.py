"""Offline audit of a lot's trail bundle: which entries form a trail, and checking a bundle.

A trail bundle (``docs/audit-bundle.md``) carries every ledger entry of a lot's upstream and
downstream lineage with its inclusion proof against one signed checkpoint. This package
checks it with no database and no server: :func:`verify_bundle` raises, :func:`check_bundle`
returns an :class:`AuditReport` whose truthiness means "verified". The rule that decides a
trail's entries (:func:`trail_scope`) lives here too, so the exporter and the auditor apply
the same one.

Left out: databases, files and HTTP (``api.exports`` writes bundles, ``api.cli.audit`` reads
them from disk and prints reports).
"""

from verifiers.audit.layout import BUNDLE_FORMAT, BUNDLE_VERSION, BundleHeader
from verifiers.audit.report import STEPS, AuditReport, BundleError, Check, Failure
from verifiers.audit.scope import ActorLookup, ScopeExtension, TrailScope, trail_scope
from verifiers.audit.verify import CANNOT_CHECK, check_bundle, verify_bundle

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "CANNOT_CHECK",
    "STEPS",
    "ActorLookup",
    "AuditReport",
    "BundleError",
    "BundleHeader",
    "Check",
    "Failure",
    "ScopeExtension",
    "TrailScope",
    "check_bundle",
    "trail_scope",
    "verify_bundle",
]
