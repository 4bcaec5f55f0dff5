"""Unit tests for ``ledger.supply``."""
