"""The assessment's sourcing advice in the API: returned as the task stored it, null when
every requirement is met, and documented property by property in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import yaml
from django.urls import reverse

from filings.models import Assessment, Filing
from tests.api.conftest import token_client
from tests.api.test_schema import generated
from tests.services.test_assessment_advice import feoc_assessed
from tests.services.test_filing_services import assessed


def _assessment_body(user, filing: Filing) -> dict[str, Any]:
    response = token_client(user).get(
        reverse("api:assessment", kwargs={"reference": filing.reference}))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()["assessment"]
    return body


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = yaml.safe_load(generated())["components"]["schemas"]
    return schemas


def _resolved(schemas: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "allOf" in node:
        node = node["allOf"][0]
    if "$ref" in node:
        target: dict[str, Any] = schemas[node["$ref"].rsplit("/", 1)[1]]
        return target
    return node


def _undocumented(schemas: dict[str, Any], value: Any, node: dict[str, Any], at: str) -> list[str]:
    """Every key in `value` its schema does not list, and every required key it lacks."""
    node = _resolved(schemas, node)
    if isinstance(value, list):
        return [p for i, item in enumerate(value)
                for p in _undocumented(schemas, item, node.get("items", {}), f"{at}[{i}]")]
    if not isinstance(value, dict):
        return []
    properties = node.get("properties", {})
    problems = [f"{at}.{key} undocumented" for key in value if key not in properties]
    problems += [f"{at}.{key} missing" for key in node.get("required", []) if key not in value]
    for key, item in value.items():
        if key in properties:
            problems += _undocumented(schemas, item, properties[key], f"{at}.{key}")
    return problems


def test_the_api_returns_the_advice_the_task_stored(viewer, preparer, signer):
    filing = assessed(preparer, signer, "crossover-short-na-components.xlsx")
    stored = Assessment.objects.get(version__filing=filing)

    body = _assessment_body(viewer, filing)

    assert stored.advice is not None
    assert body["advice"] == stored.advice
    assert body["advice"]["shares"][0]["requirement"] == "battery_components"


def test_the_advice_is_null_when_every_requirement_is_met(viewer, preparer, signer):
    filing = assessed(preparer, signer, "us-pickup-japan-minerals.xlsx")

    body = _assessment_body(viewer, filing)

    assert "advice" in body and body["advice"] is None


def test_every_property_of_the_advice_returned_is_documented(viewer, preparer, signer):
    schemas = _schemas()
    node = schemas["AssessmentOutput"]["properties"]["advice"]
    filings = [assessed(preparer, signer, workbook)
               for workbook in ("crossover-short-na-components.xlsx", "german-sedan.xlsx")]
    for filing in [*filings, feoc_assessed(preparer, signer)]:
        body = _assessment_body(viewer, filing)
        assert _undocumented(schemas, body["advice"], node, "advice") == [], filing.model
    assert body["advice"]["feoc"]  # the FEOC lines' shape is checked too


def test_the_schema_documents_the_advice_and_its_answers(db):
    schemas = _schemas()
    advice = schemas["AssessmentOutput"]["properties"]["advice"]
    assert advice["nullable"] is True and "null when every requirement is met" in advice["description"]
    assert set(_resolved(schemas, advice)["properties"]) == {"rulebook", "shares", "feoc",
                                                              "not_by_sourcing"}
    share = schemas["AdviceShareOutput"]["properties"]
    assert {"from", "to", "fewest_lines", "fewest_suppliers", "least_value", "shortfall_usd",
            "credit_usd_if_met", "destinations"} <= set(share)
    assert {"rows", "suppliers", "value_usd", "exact", "lower_bound_usd"} <= set(
        schemas["AdviceMoveOutput"]["properties"])
    assert "where" in schemas["AdviceNotBySourcingOutput"]["properties"]
