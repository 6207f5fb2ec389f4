"""Schemathesis against the live schema: no server error and no response that violates it."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from filings.api.services import api_token_create
from tests.celery_worker import _clear_audit_events
from tests.factories import FilingFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def live_api(live_server, signer, manufacturer, settings):
    """A signer's token and one of its organisation's filings, which the cases act on."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"token": None, "user": None}}
    _, key = api_token_create(actor=signer, name="schemathesis")
    filing = FilingFactory.create(organisation=manufacturer, created_by=signer)
    yield {"url": live_server.url, "key": key, "reference": str(filing.reference)}
    _clear_audit_events()


# The schema in docs/, which test_schema.py proves equal to the one /api/schema/ serves.
# (schemathesis.pytest.from_fixture needs a pytest attribute that pytest 9 removed.)
schema = schemathesis.openapi.from_path(Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_honours_its_schema(case, live_api):
    if "reference" in (case.path_parameters or {}):
        case.path_parameters["reference"] = live_api["reference"]
    case.call_and_validate(base_url=live_api["url"], checks=CHECKS,
                           headers={"Authorization": f"Token {live_api['key']}"})
