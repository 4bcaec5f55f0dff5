"""The GS1 EPCIS Event Hash ID (CBV 2.0 §8.9): ``ni:///sha-256;<hex>?ver=CBV2.0``.

Two parties that hold the same EPCIS event, however serialised, compute the same hash, so the
hash can serve as the event's ``eventID`` and be recomputed by anyone from the event alone.
The hash is SHA-256 (RFC 6920 ``ni`` URI) over a *pre-hash string* built like this:

1. ``eventType=<type>``, then the standard fields in the canonical property order
   (:data:`PROPERTY_ORDER`): ``eventTime``, ``eventTimeZoneOffset``, ``certificationInfo``,
   ``parentID``, the EPC and quantity lists, ``action``, ``transformationID``, ``bizStep``,
   ``disposition``, ``persistentDisposition``, ``readPoint``, ``bizLocation`` and
   ``sensorElementList`` — each as ``name=value``, containers as their name followed by their
   children, with no separators.
2. Then everything else the event carries, except ``eventID``, ``recordTime``,
   ``errorDeclaration`` and comments, rendered the same way and sorted as strings: the
   business-transaction, source and destination lists, ``ilmd`` and user extensions (keys
   written ``{namespace}local``).
3. Siblings of one name are sorted (case-sensitive, by code point). Values are trimmed;
   timestamps become UTC with milliseconds (``…T10:00:30.000Z``, rounded at the fourth
   decimal); numbers lose trailing zeros; ``urn:epcglobal:cbv:…`` values become CBV web
   URIs; bare CBV terms (``receiving``) their web URIs; CURIEs of the document's own prefixes
   are expanded; GS1 identifiers become constrained canonical GS1 Digital Link URIs
   (``verifiers.epcis.digital_link``).

The reference implementation is ``RalphTro/epcis-event-hash-generator`` (MIT), whose README is
the algorithm's normative description; this module is our own implementation of it, tested
against that project's published pre-hashes and hashes and against hashes of the official GS1
examples (``tests/unit/verifiers/test_epcis_hash.py``). Where the reference's behaviour
depends on JSON member order or crashes, we chose the order-independent reading; those cases
are listed in ``docs/epcis.md``.

Left out: the XML binding (Biotraza reads and writes JSON-LD only), hash algorithms other than
SHA-256, and full JSON-LD processing (only the context's term tables are used).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from verifiers.epcis.digital_link import normalise_gs1_uri
from verifiers.epcis.vocabulary import vocabulary

__all__ = [
    "HASH_VERSION",
    "PROPERTY_ORDER",
    "HashContext",
    "document_event_hashes",
    "document_events",
    "event_hash",
    "hash_prehash",
    "prehash",
]

HASH_VERSION = "CBV2.0"

Order = Sequence[tuple[str, "Order | None"]]

_QUANTITY: Order = [("quantityElement", [("epcClass", None), ("quantity", None), ("uom", None)])]
PROPERTY_ORDER: Order = [
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", [("epc", None)]),
    ("inputEPCList", [("epc", None)]),
    ("childEPCs", [("epc", None)]),
    ("quantityList", _QUANTITY),
    ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY),
    ("outputEPCList", [("epc", None)]),
    ("outputQuantityList", _QUANTITY),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]),
    ("bizLocation", [("id", None)]),
    (
        "sensorElementList",
        [
            (
                "sensorElement",
                [
                    ("sensorMetadata", [(name, None) for name in (
                        "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
                        "dataProcessingMethod", "bizRules")]),
                    ("sensorReport", [(name, None) for name in (
                        "type", "exception", "deviceID", "deviceMetadata", "rawData",
                        "dataProcessingMethod", "time", "microorganism", "chemicalSubstance",
                        "value", "component", "stringValue", "booleanValue", "hexBinaryValue",
                        "uriValue", "minValue", "maxValue", "meanValue", "sDev", "percRank",
                        "percValue", "uom", "coordinateReferenceSystem")]),
                ],
            )
        ],
    ),
]  # fmt: skip
"""The canonical property order: (field, order of its children or ``None`` for a value)."""

_NOT_HASHED = frozenset({"type", "eventID", "recordTime", "errorDeclaration"})
_COMMENTS = frozenset({"rdfs:comment", "comment", "#text"})
_TYPED_LISTS = {"bizTransactionList": "bizTransaction", "sourceList": "source",
                "destinationList": "destination"}  # fmt: skip
_OLD_CBV = (
    ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
    ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
    ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
    ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
)


@dataclass(frozen=True)
class HashContext:
    """What an event's hash depends on besides the event: the document's own prefixes.

    Extension keys (``ext1:temperature``) and CURIE values are expanded with the prefixes the
    document defines inline in its ``@context``; the prefixes of the standard EPCIS context
    itself are not applied to keys (as in the reference implementation).
    """

    prefixes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_context(cls, context: Any) -> HashContext:
        """Read the inline prefix definitions of a document's ``@context`` value."""
        items = context if isinstance(context, list) else [context]
        prefixes: dict[str, str] = {}
        for item in items:
            if not isinstance(item, dict):
                continue
            for key, value in item.items():
                if isinstance(value, str):
                    prefixes[key] = value
                elif isinstance(value, dict) and isinstance(value.get("@id"), str):
                    prefixes[key] = value["@id"]  # an expanded term definition
        return cls(prefixes=prefixes)

    def key(self, name: str) -> str:
        """``ext1:foo`` → ``{http://example.com/ext1/}foo`` for inline prefixes."""
        prefix, sep, local = name.partition(":")
        if sep and prefix in self.prefixes:
            return "{" + self.prefixes[prefix] + "}" + local
        return name

    def value(self, text: str) -> str:
        """``ext1:foo`` → ``http://example.com/ext1/foo`` for inline prefixes."""
        prefix, sep, local = text.partition(":")
        if sep and prefix in self.prefixes:
            return self.prefixes[prefix] + local
        return text


@dataclass
class _Node:
    """One element of an event in the EPCIS data model: a name, a text value, children."""

    name: str
    text: str = ""
    children: list[_Node] = field(default_factory=list)
    typed: bool = False
    """A bizTransaction, source or destination: rendered ``type=…`` then ``<name>=…``."""


# --------------------------------------------------------------------------- values


def _scalar_text(value: Any, ctx: HashContext) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"  # the reference writes Python's spelling
    if isinstance(value, str):
        return ctx.value(value)
    return str(value)


def _numeric(text: str) -> str:
    try:
        number = float(text)
        return str(int(number)) if number == int(number) else str(number)
    except (ValueError, OverflowError):
        return text


def canonical_value(text: str) -> str:
    """A value as the pre-hash string writes it (rules 5, 6, 14, 17 and 18)."""
    for old, new in _OLD_CBV:
        text = text.replace(old, new)
    text = _numeric(text)
    return normalise_gs1_uri(text) or text


def canonical_time(text: str) -> str:
    """A timestamp in UTC with millisecond precision (rules 8 and 9), or the text as it was."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # EPCIS requires an offset; assume UTC if absent
    moment = moment.astimezone(UTC)
    millis = round(moment.microsecond, -3)  # half-even on the 4th decimal, as the reference
    moment = moment.replace(microsecond=0) + timedelta(microseconds=millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------- tree


def _expand_vocabulary(event: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the event with bare CBV terms replaced by their web URIs (rule 16)."""
    vocab = vocabulary()

    def term(value: Any, table: Mapping[str, str]) -> Any:
        return table.get(value, value) if isinstance(value, str) else value

    def typed_items(items: Any, table: Mapping[str, str]) -> Any:
        if not isinstance(items, list):
            return items
        return [
            {**item, "type": term(item["type"], table)}
            if isinstance(item, dict) and "type" in item
            else item
            for item in items
        ]

    out = dict(event)
    if "bizStep" in out:
        out["bizStep"] = term(out["bizStep"], vocab.biz_step)
    if "disposition" in out:
        out["disposition"] = term(out["disposition"], vocab.disposition)
    persistent = out.get("persistentDisposition")
    if isinstance(persistent, dict):
        out["persistentDisposition"] = {
            key: [term(v, vocab.persistent_disposition) for v in values]
            if key in ("set", "unset") and isinstance(values, list)
            else values
            for key, values in persistent.items()
        }
    if "bizTransactionList" in out:
        out["bizTransactionList"] = typed_items(
            out["bizTransactionList"], vocab.biz_transaction_type
        )
    for name in ("sourceList", "destinationList"):
        if name in out:
            out[name] = typed_items(out[name], vocab.source_destination_type)
    sensors = out.get("sensorElementList")
    if isinstance(sensors, list):
        out["sensorElementList"] = [_expand_sensor(element) for element in sensors]
    return out


def _expand_sensor(element: Any) -> Any:
    if not isinstance(element, dict) or not isinstance(element.get("sensorReport"), list):
        return element
    vocab = vocabulary()
    tables = {
        "type": vocab.measurement_type,
        "exception": vocab.sensor_exception,
        "component": vocab.component,
    }
    reports = [
        {
            key: tables[key].get(value, value)
            if key in tables and isinstance(value, str)
            else value
            for key, value in report.items()
        }
        if isinstance(report, dict)
        else report
        for report in element["sensorReport"]
    ]
    return {**element, "sensorReport": reports}


def _nodes(name: str, value: Any, ctx: HashContext) -> list[_Node]:
    """JSON → data-model elements: a list becomes repeated elements of one name."""
    if isinstance(value, list):
        return [node for item in value for node in _nodes(name, item, ctx)]
    if isinstance(value, dict):
        node = _Node(name, str(value.get("#text", "")))
        for key, item in value.items():
            if key not in _COMMENTS:
                node.children.extend(_nodes(ctx.key(key), item, ctx))
        return [node]
    return [_Node(name, "" if value is None else _scalar_text(value, ctx))]


def _to_xml_model(node: _Node) -> _Node:
    """Give JSON's list shapes the XML binding's element names, recursively.

    ``epcList: [a, b]`` becomes ``epcList`` with ``epc`` children, ``quantityList`` items
    become ``quantityElement``, ``inputEPCList`` items ``epc``, repeated ``childEPCs`` one
    ``childEPCs`` with ``epc`` children, and the typed lists keep type and value together.
    """
    kept: list[_Node] = []
    lists: dict[str, list[_Node]] = {}
    child_epcs: list[_Node] = []
    for child in node.children:
        if child.name.endswith("List"):
            item = _Node(child.name[:-4], child.text, child.children)
            if child.name in _TYPED_LISTS:
                item = _typed_item(child.name, child)
            lists.setdefault(child.name, []).append(item)
        elif child.name == "childEPCs":
            child_epcs.append(_Node("epc", child.text))
        else:
            kept.append(child)
    kept.extend(_Node(name, "", items) for name, items in lists.items())
    if child_epcs:
        kept.append(_Node("childEPCs", "", child_epcs))
    children = [c if c.name in _TYPED_LISTS else _to_xml_model(c) for c in kept]
    name = node.name
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (
        name == "quantity" and children
    ):
        name = "quantityElement"
    return _Node(name, node.text, children, node.typed)


def _typed_item(list_name: str, item: _Node) -> _Node:
    value_name = _TYPED_LISTS[list_name]
    values = [c for c in item.children if c.name == value_name]
    types = [c for c in item.children if c.name == "type"]
    text = values[0].text if values else item.text
    return _Node(value_name, text, types, typed=True)


# --------------------------------------------------------------------------- rendering


def _is_time(name: str) -> bool:
    lowered = name.lower()
    return "time" in lowered and "offset" not in lowered


def _element(node: _Node, order: Order | None) -> str:
    children_text = _ordered(node.children, order) if order else ""
    text = node.text.strip()
    if text:
        text = canonical_time(text) if _is_time(node.name) else canonical_value(text)
    if text:
        text = "=" + text
    return node.name + text + children_text if (text or children_text) else ""


def _ordered(children: list[_Node], order: Order) -> str:
    """Render (and consume) the children named in ``order``; user extensions follow (rule 21).

    Children fully rendered are removed, so whatever remains is rendered again, generically,
    with the event's other fields (as the reference implementation does).
    """
    extensions: list[_Node] = []
    top_level = any("eventTime" in c.name or "action" in c.name for c in children)
    if len(children) > 1 and not top_level:
        extensions = [c for c in children if "{" in c.name and "/}" in c.name]
        for extension in extensions:
            children.remove(extension)
    parts: list[str] = []
    for name, sub_order in order:
        values = []
        for child in [c for c in children if c.name == name]:
            rendered = _element(child, sub_order)
            if rendered:
                values.append(rendered)
            if not child.children:
                children.remove(child)
        parts.extend(sorted(values))
    if extensions:
        parts.append(_generic(extensions))
    return "".join(parts)


def _generic(nodes: list[_Node]) -> str:
    """Render elements outside the property order: ``name=value`` plus children, sorted."""
    values = []
    for node in nodes:
        if node.typed:
            values.append(_typed(node))
            continue
        text = node.text.strip()
        text = "=" + canonical_value(text) if text else ""
        values.append(node.name + text + _generic(node.children))
    return "".join(sorted(values))


def _typed(node: _Node) -> str:
    types = "".join(
        "type=" + canonical_value(t.text.strip()) for t in node.children if t.text.strip()
    )
    value = node.text.strip()
    return types + (f"{node.name}={canonical_value(value)}" if value else "")


def prehash(event: Mapping[str, Any], context: HashContext | None = None) -> str:
    """The canonical pre-hash string of one EPCIS event (JSON-LD form).

    Args:
        event: One event object as it appears in ``epcisBody.eventList``.
        context: The document's inline prefixes (:meth:`HashContext.from_context`).

    Raises:
        ValueError: the event has no string ``type``.
    """
    ctx = context or HashContext()
    event_type = event.get("type")
    if not isinstance(event_type, str):
        raise ValueError("an EPCIS event needs a string 'type'")
    root = _nodes(event_type, _expand_vocabulary(event), ctx)[0]
    root = _to_xml_model(root)
    head = f"eventType={event_type}" + _ordered(root.children, PROPERTY_ORDER)
    rest = [c for c in root.children if c.name not in _NOT_HASHED]
    return head + _generic(rest)


def hash_prehash(pre: str) -> str:
    """``ni:///sha-256;<hex>?ver=CBV2.0`` of a pre-hash string (RFC 6920 named information)."""
    digest = hashlib.sha256(pre.encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"


def event_hash(event: Mapping[str, Any], context: HashContext | None = None) -> str:
    """The EPCIS Event Hash ID of one event.

    Raises:
        ValueError: the event has no string ``type``.
    """
    return hash_prehash(prehash(event, context))


def document_events(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events of an ``EPCISDocument`` or ``EPCISQueryDocument``, in document order.

    Raises:
        ValueError: the document has no event list where EPCIS puts it.
    """
    body = document.get("epcisBody")
    if not isinstance(body, dict):
        raise ValueError("the document has no epcisBody object")
    if "eventList" in body:
        events = body["eventList"]
    elif isinstance(body.get("queryResults"), dict):
        events = (body["queryResults"].get("resultsBody") or {}).get("eventList", [])
    elif "event" in body:
        events = [body["event"]]
    else:
        raise ValueError("the epcisBody has no eventList")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ValueError("the eventList must be a list of event objects")
    return events


def document_event_hashes(document: Mapping[str, Any]) -> list[str]:
    """The event hash of every event of a document, in document order.

    Raises:
        ValueError: no event list, or an event without a type.
    """
    ctx = HashContext.from_context(document.get("@context"))
    return [event_hash(event, ctx) for event in document_events(document)]
