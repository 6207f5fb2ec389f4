"""The OpenAPI schema: served, valid, complete, with examples, and the copy in docs/ is current."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from django.core.management import call_command
from django.urls import reverse

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def generated() -> str:
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return out.getvalue()


def test_the_schema_in_docs_matches_the_code():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == generated(), (
        "docs/openapi.yaml is stale: run `python manage.py spectacular --validate "
        "--fail-on-warn --file docs/openapi.yaml`")


def test_every_operation_has_a_response_schema_and_every_write_a_request_schema():
    schema = yaml.safe_load(generated())
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            ok = [c for c in operation["responses"] if c.startswith("2")]
            assert ok and all("content" in operation["responses"][c] for c in ok), (path, method)
            assert "401" in operation["responses"] and "429" in operation["responses"]
            if method in ("patch", "put") or (method == "post" and not path.endswith(
                    ("reopen/", "review/start/", "/dossiers/"))):
                assert "requestBody" in operation, (path, method)


def test_the_main_operations_have_examples():
    schema = yaml.safe_load(generated())
    create = schema["paths"]["/api/v1/filings/"]["post"]["requestBody"]["content"]
    assert create["application/json"]["examples"]
    submit = schema["paths"]["/api/v1/filings/{reference}/submit/"]["post"]["requestBody"]
    assert submit["content"]["application/json"]["examples"]


def test_the_schema_and_the_swagger_ui_are_served_without_inline_script(client):
    assert client.get(reverse("api-schema")).status_code == 200
    page = client.get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html and "<style>" not in html
    assert "swagger-ui-bundle.js" in html and "/static/" in html
    script = client.get(reverse("api-docs") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
