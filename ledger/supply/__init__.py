"""Supply-chain domain helpers: plot geometry, identifiers and conversion tables."""
