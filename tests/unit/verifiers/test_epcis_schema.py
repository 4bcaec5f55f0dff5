"""EPCIS 2.0.1 JSON Schema validation (``verifiers.epcis.schema``) with format checking.

What each test proves:

* The shipped schema is byte-identical to the ratified GS1 file in ``tests/vectors/oracles``.
* Every official GS1 example document (and bare event) validates, with formats checked.
* Every openepcis negative example is rejected, with the JSON path of the fault: also the five
  that only a ``uri`` format checker catches (bare non-CBV bizStep/disposition, ILMD keys
  without a namespace).
* The capture check refuses non-documents and documents without events, naming the field.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import SchemaError
from tests.oracles import oracles_dir
from verifiers.epcis.capture import check_capture_document
from verifiers.epcis.schema import schema_errors

EPCIS = oracles_dir() / "epcis"
SCHEMA_SHA256 = "0f46ff694efffd8d8ce840a33dfde84228add11b516b8b258f3200740ae210af"


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_shipped_schema_is_the_ratified_file() -> None:
    shipped = resources.files("verifiers.epcis").joinpath("data/epcis-json-schema-2.0.1.json")
    data = shipped.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256
    assert data == (EPCIS / "schema" / "epcis-json-schema-2.0.1.json").read_bytes()


VALID = sorted((EXAMPLES := EPCIS / "examples" / "gs1-EPCIS").rglob("*.json*"))


@pytest.mark.parametrize("path", VALID, ids=[str(p.relative_to(EXAMPLES)) for p in VALID])
def test_official_examples_validate(path: Path) -> None:
    assert schema_errors(_load(path)) == []


def test_all_official_examples_are_tested() -> None:
    assert len(VALID) == 52


INVALID: dict[str, str] = {
    "Combination_of_events_with_missing_mandatory_fields.json": "epcisBody.eventList.0",
    "Combination_of_multiple_invalid_fields.json": "epcisBody.eventList.0.bizStep",
    "Combination_of_non_standard_bizStep_and_disposition.json": "epcisBody.eventList.1.disposition",
    "EPCISDocument_without_context.json": "document",
    "ObjectEvent_with_ilmd_field_without_namespace.json": "epcisBody.eventList.0.ilmd",
    "ObjectEvent_with_invalid_action.json": "epcisBody.eventList.0.action",
    "ObjectEvent_with_invalid_certificationInfo.json": "epcisBody.eventList.0.certificationInfo",
    "ObjectEvent_with_invalid_eventTime_format.json": "epcisBody.eventList.0.eventTime",
    "ObjectEvent_with_non_standard_bizStep.json": "epcisBody.eventList.0.bizStep",
    "ObjectEvent_with_non_standard_bizStep_in_second_event.json": "epcisBody.eventList.1.bizStep",
    "ObjectEvent_with_non_standard_disposition.json": "epcisBody.eventList.0.disposition",
    "ObjectEvent_with_quantity_as_text.json": "epcisBody.eventList.0.quantityList.0.quantity",
    "ObjectEvent_with_unknown_field_in_quantityList.json": "epcisBody.eventList.0.quantityList.0",
    "ObjectEvent_without_action_and_eventTime.json": "epcisBody.eventList.0",
    "ObjectEvent_without_identifier_list.json": "epcisBody.eventList.0",
}


def test_every_negative_example_is_listed() -> None:
    names = {p.name for p in (EPCIS / "examples" / "openepcis-invalid").glob("*.json")}
    assert names == set(INVALID)


@pytest.mark.parametrize(("name", "path"), sorted(INVALID.items()))
def test_negative_examples_are_rejected_with_their_path(name: str, path: str) -> None:
    errors = schema_errors(_load(EPCIS / "examples" / "openepcis-invalid" / name))
    assert path in [field for field, _reason in errors], errors
    assert all(reason for _field, reason in errors)


def test_prefix_and_reason() -> None:
    document = _load(
        EPCIS / "examples" / "openepcis-invalid" / "ObjectEvent_with_quantity_as_text.json"
    )
    assert schema_errors(document, "statement.body.document.") == [
        (
            "statement.body.document.epcisBody.eventList.0.quantityList.0.quantity",
            "'twenty' is not of type 'number'",
        )
    ]


def test_capture_check_names_the_fields() -> None:
    valid = _load(EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld")
    assert len(check_capture_document(valid)) == 2
    query = _load(EXAMPLES / "EPCISQueryDocument.jsonld")
    with pytest.raises(SchemaError, match="only an EPCISDocument") as caught:
        check_capture_document(query, "body.")
    assert caught.value.errors == [("body.type", "expected EPCISDocument")]
    empty = {**valid, "epcisBody": {"eventList": []}}
    with pytest.raises(SchemaError, match="no events"):
        check_capture_document(empty)
    broken = _load(
        EPCIS / "examples" / "openepcis-invalid" / "ObjectEvent_with_invalid_action.json"
    )
    with pytest.raises(SchemaError, match="EPCIS 2.0.1") as caught:
        check_capture_document(broken)
    assert (
        "epcisBody.eventList.0.action",
        "'CREATE' is not one of ['OBSERVE', 'ADD', 'DELETE']",
    ) in (caught.value.errors)
