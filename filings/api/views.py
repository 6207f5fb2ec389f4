"""The REST API: entry points only.

Each view parses input with its nested Input serializer, reads through `filings.selectors` (another
organisation's filing is a 404) or calls one service, and shapes the output with its Output
serializer. Refusals come back in the problem shape (see `filings.api.errors`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar, cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from filings import selectors
from filings.api.advice import AdviceField
from filings.api.errors import PROBLEM_BASE, FileStoreUnavailable
from filings.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from filings.api.idempotency import idempotent
from filings.api.parsers import BoundedJSONParser, UploadMultiPartParser
from filings.api.schema import FILING_EXAMPLE, IDEMPOTENCY_HEADER_DOC, ProblemSerializer, problems
from filings.models import (
    Assessment,
    EvidenceCheck,
    EvidenceFile,
    EvidenceVersion,
    FileKind,
    Filing,
    VehicleClass,
)
from filings.services import manufacturer, review
from filings.states import TRANSITIONS, State
from filings.storage import StorageUnavailable
from portal.accounts.models import User

IDEMPOTENCY_PARAMETER = OpenApiParameter(IDEMPOTENCY_HEADER, OpenApiTypes.STR,
                                         OpenApiParameter.HEADER, description=IDEMPOTENCY_HEADER_DOC)


_F = TypeVar("_F", bound=Callable[..., Any])


def _actor(request: Request) -> User:
    assert isinstance(request.user, User)  # IsAuthenticated runs first
    return request.user


class FilingOutput(serializers.ModelSerializer[Filing]):
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Filing
        fields: tuple[str, ...] = (
            "reference", "organisation", "make", "model", "model_year", "vehicle_class",
            "coverage_start", "coverage_end", "state", "state_label", "created_at",
            "state_changed_at", "submitted_at")
        read_only_fields = fields


class FilingDetailOutput(FilingOutput):
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=[(t.action, t.label) for t in TRANSITIONS
                                               if not t.by_system]), read_only=True,
        help_text="What you may do with this filing now (filings/states.py's table, for your "
                  "role and organisation): a hint; each call checks again.")

    class Meta(FilingOutput.Meta):
        fields = (*FilingOutput.Meta.fields, "actions")
        read_only_fields = fields


def _detail(actor: User, filing: Filing) -> dict[str, Any]:
    return {**FilingOutput(filing).data,
            "actions": sorted(selectors.filing_actions(actor=actor, filing=filing))}


class _Page(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class _FilingPageOutput(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FilingOutput(many=True)


class _FilingFields(serializers.Serializer[Any]):
    make = serializers.CharField(max_length=100)
    model = serializers.CharField(max_length=100)
    model_year = serializers.IntegerField(min_value=1990, max_value=2100)
    vehicle_class = serializers.ChoiceField(choices=VehicleClass.choices)
    coverage_start = serializers.DateField()
    coverage_end = serializers.DateField()


class FilingListApi(APIView):
    class FilterInput(serializers.Serializer[Any]):
        state = serializers.ChoiceField(choices=State.choices, required=False)
        search = serializers.CharField(required=False, max_length=100)
        page = serializers.IntegerField(required=False, min_value=1)
        page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)

    class InputSerializer(_FilingFields):
        pass

    @extend_schema(operation_id="filings_list", parameters=[FilterInput],
                   responses={200: _FilingPageOutput, **problems(400, 404)},
                   summary="The organisation's filings, newest first")
    def get(self, request: Request) -> Response:
        filters = self.FilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        filings = selectors.filing_list_pages(actor=_actor(request),
                                              state=filters.validated_data.get("state"),
                                              search=filters.validated_data.get("search"))
        paginator = _Page()
        # A `ListPages`, not a queryset: DRF hands it to Django's Paginator, which needs only
        # count() and slices.
        page = paginator.paginate_queryset(cast(Any, filings), request, view=self)
        return paginator.get_paginated_response(FilingOutput(page, many=True).data)

    @extend_schema(operation_id="filings_create", request=InputSerializer,
                   parameters=[IDEMPOTENCY_PARAMETER], examples=[FILING_EXAMPLE],
                   responses={201: FilingOutput, **problems(400, 409)},
                   summary="Create a draft filing (preparer or signer)")
    def post(self, request: Request) -> Response:
        def create() -> Response:
            data = self.InputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            filing = manufacturer.filing_create(actor=_actor(request), **data.validated_data)
            return Response(FilingOutput(filing).data, status=status.HTTP_201_CREATED)

        return idempotent(request, create)


class FilingDetailApi(APIView):
    class InputSerializer(_FilingFields):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, partial=True, **kwargs)

    @extend_schema(operation_id="filings_retrieve",
                   responses={200: FilingDetailOutput, **problems(404)}, summary="One filing")
    def get(self, request: Request, reference: uuid.UUID) -> Response:
        actor = _actor(request)
        filing = selectors.filing_get(actor=actor, reference=reference)
        return Response(_detail(actor, filing))

    @extend_schema(operation_id="filings_update", request=InputSerializer,
                   responses={200: FilingOutput, **problems(400, 404, 409)},
                   summary="Change a draft's description (preparer or signer)")
    def patch(self, request: Request, reference: uuid.UUID) -> Response:
        actor = _actor(request)
        filing = selectors.filing_get(actor=actor, reference=reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filing = manufacturer.filing_update(actor=actor, filing=filing, **data.validated_data)
        return Response(FilingOutput(filing).data)


class EvidenceFileOutput(serializers.ModelSerializer[EvidenceFile]):
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = EvidenceFile
        fields = ("id", "version", "kind", "original_name", "content_type", "size", "sha256",
                  "uploaded_at")
        read_only_fields = fields


class EvidenceApi(APIView):
    parser_classes = (UploadMultiPartParser, BoundedJSONParser)

    class InputSerializer(serializers.Serializer[Any]):
        kind = serializers.ChoiceField(choices=FileKind.choices, default=FileKind.EVIDENCE)
        # An empty file passes here: the storage refuses it naming the file.
        file = serializers.FileField(allow_empty_file=True)

    @extend_schema(operation_id="evidence_list", responses={200: EvidenceFileOutput(many=True),
                                                            **problems(404)},
                   summary="Every evidence file of the filing, newest version first")
    def get(self, request: Request, reference: uuid.UUID) -> Response:
        filing = selectors.filing_get(actor=_actor(request), reference=reference)
        files = [f for version in selectors.filing_history(filing=filing)
                 for f in version.files.all()]
        return Response(EvidenceFileOutput(files, many=True).data)

    @extend_schema(operation_id="evidence_upload",
                   request={"multipart/form-data": InputSerializer},
                   parameters=[IDEMPOTENCY_PARAMETER],
                   responses={201: EvidenceFileOutput, **problems(400, 404, 409, 413, 415)},
                   summary="Upload a file to the draft's evidence (multipart)")
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        actor = _actor(request)
        filing = selectors.filing_get(actor=actor, reference=reference)

        def upload() -> Response:
            _one_file_part(request)
            data = self.InputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            try:
                stored = manufacturer.evidence_upload(actor=actor, filing=filing,
                                                      upload=data.validated_data["file"],
                                                      kind=FileKind(data.validated_data["kind"]))
            except StorageUnavailable as exc:
                raise FileStoreUnavailable() from exc
            return Response(EvidenceFileOutput(stored).data, status=status.HTTP_201_CREATED)

        return idempotent(request, upload)


def _one_file_part(request: Request) -> None:
    """One file per request, in the `file` field: no part is dropped without a word."""
    parts = [(name, len(request.FILES.getlist(name))) for name in request.FILES]
    count = sum(n for _, n in parts)
    if count > 1:
        raise serializers.ValidationError({"file": [
            f"This request carries {count} files; the API takes one file per request. Send each "
            "file in a POST of its own to this URL."]})
    if count == 1 and parts[0][0] != "file":
        raise serializers.ValidationError({"file": [
            f"The file came in a field named {parts[0][0]!r}; send it in the field 'file'."]})


class EvidenceErrorOutput(serializers.Serializer[Any]):
    sheet = serializers.CharField(allow_null=True)
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_null=True)
    value = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class EvidenceCheckOutput(serializers.ModelSerializer[EvidenceCheck]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    preliminary = serializers.SerializerMethodField(
        help_text="Always true: a check is not an assessment and is never certified.")
    error_count = serializers.SerializerMethodField()
    # Not `errors`: that name is the serializer's own validation errors.
    row_errors = EvidenceErrorOutput(source="errors", many=True, read_only=True,
                                     help_text="Every problem found, with sheet, row and column.")
    result = serializers.JSONField(
        allow_null=True, read_only=True,
        help_text="The engine's result document for the draft (null while checking or with "
                  "errors): what the rules in force would give, before anyone attests.")

    class Meta:
        model = EvidenceCheck
        fields = ("status", "status_label", "preliminary", "requested_at", "checked_at",
                  "rulebook_id", "rulebook_version", "credit_min_usd", "credit_max_usd",
                  "error_count", "row_errors", "result")
        read_only_fields = fields

    def get_preliminary(self, check: EvidenceCheck) -> bool:
        return True

    def get_error_count(self, check: EvidenceCheck) -> int:
        return len(check.errors)


class EvidenceVersionOutput(serializers.ModelSerializer[EvidenceVersion]):
    files = EvidenceFileOutput(many=True, read_only=True)
    check = serializers.SerializerMethodField(
        help_text="The check the worker runs as soon as a draft version's evidence changes "
                  "(status `checking`, then `errors` or `ready`); null for a version submitted "
                  "before checks existed.")

    class Meta:
        model = EvidenceVersion
        fields = ("number", "created_at", "submitted_at", "files", "check")
        read_only_fields = fields

    @extend_schema_field(EvidenceCheckOutput(allow_null=True))
    def get_check(self, version: EvidenceVersion) -> dict[str, Any] | None:
        check = EvidenceCheck.objects.filter(version=version).first()
        return EvidenceCheckOutput(check).data if check else None


class EvidenceVersionsApi(APIView):
    @extend_schema(operation_id="evidence_versions",
                   responses={200: EvidenceVersionOutput(many=True), **problems(404)},
                   summary="The filing's evidence versions, newest first, each with its files "
                           "and the check of its evidence")
    def get(self, request: Request, reference: uuid.UUID) -> Response:
        filing = selectors.filing_get(actor=_actor(request), reference=reference)
        versions = selectors.filing_history(filing=filing)
        return Response(EvidenceVersionOutput(versions, many=True).data)


class _NoInput(serializers.Serializer[Any]):
    pass


class _FilingAction(APIView):
    """A POST that calls one service on a filing the actor can see and returns the filing."""

    InputSerializer: type[serializers.Serializer[Any]] = _NoInput
    success_status: int = status.HTTP_200_OK

    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        raise NotImplementedError

    def _handle(self, request: Request, reference: uuid.UUID) -> Response:
        actor = _actor(request)
        filing = selectors.filing_get(actor=actor, reference=reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filing = self.act(actor, filing, dict(data.validated_data))
        return Response(FilingOutput(filing).data, status=self.success_status)

    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return self._handle(request, reference)


def _action_schema(operation_id: str, summary: str, serializer: type[serializers.Serializer[Any]],
                   success: int = 200, **extra: Any) -> Callable[[_F], _F]:
    return extend_schema(operation_id=operation_id, summary=summary, request=serializer,
                         responses={success: FilingOutput, **problems(400, 404, 409)}, **extra)


class SubmitApi(_FilingAction):
    class InputSerializer(serializers.Serializer[Any]):
        attestation_confirmed = serializers.BooleanField(
            help_text="The signer confirms the attestation statement (see the filing page).")

    success_status = status.HTTP_202_ACCEPTED

    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        return manufacturer.filing_submit(actor=actor, filing=filing, **data)

    @_action_schema("filings_submit", "Attest and submit the draft (signer); assessment is queued",
                    InputSerializer, success=202, parameters=[IDEMPOTENCY_PARAMETER],
                    examples=[OpenApiExample("Attest", value={"attestation_confirmed": True},
                                             request_only=True)])
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return idempotent(request, lambda: self._handle(request, reference))


class WithdrawApi(_FilingAction):
    class InputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(max_length=2000, allow_blank=True)

    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        return manufacturer.filing_withdraw(actor=actor, filing=filing, **data)

    @_action_schema("filings_withdraw", "Withdraw the filing (signer)", InputSerializer)
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return self._handle(request, reference)


class ReopenApi(_FilingAction):
    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        return manufacturer.filing_reopen(actor=actor, filing=filing)

    @_action_schema("filings_reopen", "Reopen invalid or returned evidence as a new draft version",
                    _NoInput)
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return self._handle(request, reference)


# --- assessment ----------------------------------------------------------------------------

class AssessmentOutput(serializers.ModelSerializer[Assessment]):
    version = serializers.IntegerField(source="version.number", read_only=True)
    result = serializers.JSONField(allow_null=True, help_text="The engine's result document.")
    error_count = serializers.SerializerMethodField()
    advice = AdviceField(
        allow_null=True,
        help_text="What re-sourcing would meet each unmet requirement, and what no sourcing "
                  "fixes; null when every requirement is met (or the advice could not be made).")

    class Meta:
        model = Assessment
        fields = ("version", "rulebook_id", "rulebook_version", "valid", "credit_min_usd",
                  "credit_max_usd", "created_at", "error_count", "result", "advice")
        read_only_fields = fields

    def get_error_count(self, assessment: Assessment) -> int:
        return len(assessment.errors)


class AssessmentStatusOutput(serializers.Serializer[Any]):
    reference = serializers.UUIDField()
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField()
    assessment_pending = serializers.BooleanField()
    terminal = serializers.BooleanField()
    updated_at = serializers.DateTimeField()
    assessment = AssessmentOutput(allow_null=True)


class AssessmentApi(APIView):
    @extend_schema(operation_id="assessment_retrieve",
                   responses={200: AssessmentStatusOutput, **problems(404)},
                   summary="The filing's state and its latest assessment (the engine's JSON)")
    def get(self, request: Request, reference: uuid.UUID) -> Response:
        actor = _actor(request)
        filing = selectors.filing_get(actor=actor, reference=reference)
        status_document = selectors.filing_status(actor=actor, reference=reference)
        assessment = selectors.latest_assessment(filing=filing)
        return Response(AssessmentStatusOutput({
            **status_document, "assessment": assessment}).data)


class EvidenceErrorsApi(APIView):
    @extend_schema(operation_id="evidence_errors",
                   responses={200: ProblemSerializer, **problems(404)},
                   summary="The row errors of invalid evidence, in the problem shape")
    def get(self, request: Request, reference: uuid.UUID) -> Response:
        filing = selectors.filing_get(actor=_actor(request), reference=reference)
        check = selectors.draft_check(filing=filing)
        if check is not None and check.status == EvidenceCheck.Status.ERRORS:
            return Response({
                "type": PROBLEM_BASE + "invalid-evidence", "title": "The evidence has errors",
                "detail": f"The draft's version {check.version.number} has {len(check.errors)} "
                          "problem(s); correct them and upload the corrected file before "
                          "submitting.",
                "errors": check.errors})
        assessment = selectors.latest_assessment(filing=filing)
        if assessment is None or assessment.valid:
            detail = ("The evidence has not been assessed yet." if assessment is None
                      else "The latest evidence was valid; there are no row errors.")
            return Response({"type": "about:blank", "title": "No evidence errors",
                             "detail": detail, "errors": []})
        return Response({
            "type": PROBLEM_BASE + "invalid-evidence", "title": "The evidence is invalid",
            "detail": f"Version {assessment.version.number} has {len(assessment.errors)} "
                      "problem(s); correct them, reopen the filing and upload again.",
            "errors": assessment.errors})


# --- the reviewing authority -----------------------------------------------------------------

class _CommentInput(serializers.Serializer[Any]):
    comment = serializers.CharField(max_length=5000, allow_blank=True)


class ReviewStartApi(_FilingAction):
    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        return review.review_start(actor=actor, filing=filing)

    @_action_schema("review_start", "Take an assessed filing into review (reviewer)",
                    _NoInput)
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return self._handle(request, reference)


class ReviewRecommendApi(_FilingAction):
    class InputSerializer(_CommentInput):
        recommendation = serializers.ChoiceField(choices=[("approve", "Approve"),
                                                          ("reject", "Reject")])

    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        return review.review_recommend(actor=actor, filing=filing, **data)

    @_action_schema("review_recommend", "Recommend approval or rejection (reviewer)",
                    InputSerializer)
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return self._handle(request, reference)


class ReviewRequestChangesApi(_FilingAction):
    InputSerializer = _CommentInput

    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        return review.review_request_changes(actor=actor, filing=filing, **data)

    @_action_schema("review_request_changes", "Return the filing for changes (reviewer or "
                    "approver)", _CommentInput)
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return self._handle(request, reference)


# The languages a certificate is issued in (code -> name), which the certificates app defines and
# adds here (`filings.certificates.api`), as its admin adds its review actions: the lifecycle
# passes the approver's choice on unread. Until the app adds them, any value is refused.
CERTIFICATE_LANGUAGES: dict[str, str] = {}


class _CertificateLanguageField(serializers.ChoiceField):
    """Its choices read when the field is made: DRF makes a serializer's fields anew for each
    request and for the schema, so they are those of `CERTIFICATE_LANGUAGES` by then."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(CERTIFICATE_LANGUAGES.items()), **kwargs)


class ApproveApi(_FilingAction):
    class InputSerializer(_CommentInput):
        certificate_language = _CertificateLanguageField(
            required=False,
            help_text="The certificate's labels: English (the default), or English with the "
                      "Japanese beside each label.")

    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        return review.filing_approve(actor=actor, filing=filing, **data)

    @_action_schema("filings_approve", "Approve a recommended filing (approver; four eyes)",
                    InputSerializer)
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return self._handle(request, reference)


class RejectApi(_FilingAction):
    InputSerializer = _CommentInput

    def act(self, actor: User, filing: Filing, data: dict[str, Any]) -> Filing:
        return review.filing_reject(actor=actor, filing=filing, **data)

    @_action_schema("filings_reject", "Reject a recommended filing (approver; four eyes)",
                    _CommentInput)
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        return self._handle(request, reference)
