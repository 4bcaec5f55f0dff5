"""The Commission's V3 DDS schema, loaded once, for tests that validate EUDR requests.

``xmlschema`` (a dev dependency) reads the local copies in ``tests/vectors/oracles/eudr/schema``
with network access off (``allow="local"``); unlike libxml2 it checks ``xs:base64Binary``
(see that folder's README).
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema

SCHEMA_DIR = Path(__file__).resolve().parent / "vectors" / "oracles" / "eudr" / "schema"


@functools.cache
def dds_schema() -> xmlschema.XMLSchema:
    """``xsd4-due-diligence-statement-v3.xsd`` with its imports, offline."""
    return xmlschema.XMLSchema(
        str(SCHEMA_DIR / "xsd4-due-diligence-statement-v3.xsd"), allow="local"
    )


def dds_errors(element: ET.Element | bytes) -> list[str]:
    """Every schema error of a DDS message element (or its XML text), as readable lines."""
    root = ET.fromstring(element) if isinstance(element, bytes) else element
    return [f"{e.reason} at {e.path}" for e in dds_schema().iter_errors(root)]
