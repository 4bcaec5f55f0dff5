"""The demo ledger: its scenario (``scenario``: organizations, plots, apiaries, rates, the
season's facts) apart from the code that records it (``build``)."""

from __future__ import annotations

from api.demo.build import build_demo
from api.demo.scenario import DEMO_ORGS, DEMO_ORIGIN, DEMO_PORT, DEMO_ROLES, demo_resolvers

__all__ = ["DEMO_ORGS", "DEMO_ORIGIN", "DEMO_PORT", "DEMO_ROLES", "build_demo", "demo_resolvers"]
