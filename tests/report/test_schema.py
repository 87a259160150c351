"""reports/schema/result.schema.json and scanner.report.schema.validate_result."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from sample import pricing_doc, sample_doc

from scanner.errors import InputError
from scanner.model.result import SCHEMA_VERSION
from scanner.report.schema import ResultSchemaError, result_schema, validate_result


def test_schema_is_valid_draft_2020_12_and_versioned_like_the_model():
    schema = result_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_schema_pi_types_are_the_contract_ids():
    ids = ("device_id imsi iccid android_id oaid ad_id mac_address serial wifi_info "
           "phone_number precise_location coarse_location contacts call_log sms calendar "
           "installed_apps clipboard camera microphone accounts photos_media body_sensors "
           "id_card_number bank_card_number real_name").split()
    assert result_schema()["$defs"]["pi_type"]["enum"] == ids


@pytest.mark.parametrize("make", [sample_doc, pricing_doc])
def test_hand_built_results_validate(make):
    validate_result(make())
    validate_result(json.loads(json.dumps(make())))


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda d: d.pop("tool"), "(root)"),
    (lambda d: d["findings"][0].update(severity="severe"), "findings[0].severity"),
    (lambda d: d["api_uses"][0].update(pi_type="imei"), "api_uses[0].pi_type"),
    (lambda d: d["transmissions"][0].update(where="fragment"), "transmissions[0].where"),
    (lambda d: d["transmissions"][0].update(party="second"), "transmissions[0].party"),
    (lambda d: d["transmissions"][0].update(encoding="rot13"), "transmissions[0].encoding"),
    (lambda d: d["inputs"][0].update(sha256="XYZ"), "inputs[0].sha256"),
    (lambda d: d["findings"][0]["evidence"][0]["locators"][0].pop("offset"),
     "findings[0].evidence[0].locators[0]"),
    (lambda d: d.update(schema_version="2.0"), "schema_version"),
    (lambda d: d["app"]["permissions"][0].update(used="yes"), "app.permissions[0].used"),
])
def test_violations_name_their_path(mutate, where):
    doc = copy.deepcopy(sample_doc())
    mutate(doc)
    with pytest.raises(ResultSchemaError) as info:
        validate_result(doc)
    assert isinstance(info.value, InputError)
    assert any(e.startswith(where + ":") for e in info.value.errors), info.value.errors
    assert where in str(info.value)


def test_pricing_comparison_fields_checked():
    doc = pricing_doc()
    doc["comparisons"][0]["p_value"] = 1.5
    with pytest.raises(ResultSchemaError, match=r"comparisons\[0\]\.p_value"):
        validate_result(doc)
