"""Pieces the OpenAPI schema shares: the problem shape and the error responses of each view."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from filings.api.errors import PROBLEM_CONTENT_TYPE


class ProblemItemSerializer(serializers.Serializer[Any]):
    """One problem: a request field, or a cell of the evidence (sheet, row, column, value)."""

    message = serializers.CharField()
    field = serializers.CharField(required=False, allow_null=True)
    sheet = serializers.CharField(required=False, allow_null=True)
    row = serializers.IntegerField(required=False, allow_null=True)
    column = serializers.CharField(required=False, allow_null=True)
    value = serializers.CharField(required=False, allow_null=True)


class ProblemSerializer(serializers.Serializer[Any]):
    type = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    # Output only (never validated), so shadowing `Serializer.errors` is harmless.
    errors = ProblemItemSerializer(many=True)  # type: ignore[assignment]


_DESCRIPTIONS = {
    400: "The request is not valid; `errors` says which field and why.",
    401: "No valid token or session.",
    403: "The actor's role may not do this.",
    404: "No such object in the actor's organisation.",
    409: "The filing's state does not allow this now, or the Idempotency-Key was reused.",
    413: "The upload is too large.",
    415: "Unsupported media type.",
    429: "Throttled; the Retry-After header says when to retry.",
    503: "Request limits cannot be checked now (the shared cache is down); retry after Retry-After.",
}


def problems(*codes: int) -> dict[Any, Any]:
    """Error responses (always with 401, 403, 406, 429 and 503) in the problem shape."""
    all_codes = sorted({*codes, 401, 403, 406, 429, 503})
    return {(code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
        ProblemSerializer, description=_DESCRIPTIONS.get(code, "Error.")) for code in all_codes}


IDEMPOTENCY_HEADER_DOC = (
    "Optional. Send a unique key to make the request safe to retry: the same key and body "
    "replays the first successful response (with `Idempotent-Replayed: true`); the same key with "
    "a different body is a 409.")

FILING_EXAMPLE = OpenApiExample(
    "A pickup filing", request_only=True,
    value={"make": "Granite Motor Company", "model": "Ironwood EV", "model_year": 2024,
           "vehicle_class": "pickup", "coverage_start": "2024-06-01",
           "coverage_end": "2024-12-31"})


class AutoSchema(openapi.AutoSchema):
    """Names nested serializers after their view (`SubmitApi.InputSerializer` → `SubmitInput`)."""

    def get_serializer_name(self, serializer: serializers.Serializer[Any],
                            direction: Literal["request", "response"]) -> str:
        name = super().get_serializer_name(serializer, direction)
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        if outer:
            name = outer.removesuffix("Api") + inner.removesuffix("Serializer").replace(
                "InputInput", "Input")
        return name.lstrip("_")
