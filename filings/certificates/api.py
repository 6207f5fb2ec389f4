"""Certificates through the API: metadata, the PDF, the public lookup and the approver's revoke.

Entry points only: reads through `filings.certificates.selectors`, the revoke through
`filings.services.certificate_revoke`. The lifecycle's approval (`filings.api.views.ApproveApi`)
offers the certificate languages this app defines.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from filings import selectors
from filings.api.errors import FileStoreUnavailable
from filings.api.schema import problems
from filings.api.throttling import AnonRateThrottle
from filings.api.views import CERTIFICATE_LANGUAGES, _actor
from filings.certificates import selectors as certificate_selectors
from filings.certificates import services as certificate_services
from filings.certificates.labels import LANGUAGES
from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.storage import certificate_open
from filings.storage import StorageUnavailable

logger = logging.getLogger(__name__)


# The lifecycle's approval takes the certificate's language; its choices are this app's.
CERTIFICATE_LANGUAGES.update(LANGUAGES)


class CertificateOutput(serializers.ModelSerializer[Certificate]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    # A string here: the schema lists the choices once, as the approval's CertificateLanguageEnum.
    language = serializers.CharField(read_only=True, help_text=(
        "The labels' language(s), chosen on approval (`certificate_language`)."))
    superseded_by = serializers.UUIDField(source="superseded_by.public_id", allow_null=True,
                                          read_only=True)

    class Meta:
        model = Certificate
        fields = ("public_id", "serial", "status", "status_label", "language", "labels_version",
                  "created_at", "issued_at", "pdf_sha256", "pdf_size", "superseded_by",
                  "revoked_at", "revoked_reason")
        read_only_fields = fields


class CertificateListApi(APIView):
    @extend_schema(operation_id="certificates_list",
                   responses={200: CertificateOutput(many=True), **problems(404)},
                   summary="The filing's certificates (metadata), newest first")
    def get(self, request: Request, reference: uuid.UUID) -> Response:
        filing = selectors.filing_get(actor=_actor(request), reference=reference)
        certificates = certificate_selectors.filing_certificates(filing=filing)
        return Response(CertificateOutput(certificates, many=True).data)


class CertificatePdfApi(APIView):
    @extend_schema(operation_id="certificates_pdf",
                   responses={(200, "application/pdf"): OpenApiResponse(
                       OpenApiTypes.BINARY, description="The signed PDF."),
                              **problems(404, 503)},
                   summary="Download the certificate's signed PDF")
    def get(self, request: Request, reference: uuid.UUID, public_id: uuid.UUID) -> FileResponse:
        certificate = certificate_selectors.certificate_get(
            actor=_actor(request), reference=reference, public_id=public_id)
        try:
            handle = certificate_open(certificate)
        except StorageUnavailable as exc:
            logger.error("file store unreachable: %r", exc.__cause__ or exc)
            raise FileStoreUnavailable() from exc
        except FileNotFoundError:
            raise Http404("The stored certificate is missing; contact the portal's support.") \
                from None
        response = FileResponse(handle, as_attachment=True, content_type="application/pdf",
                                filename=f"{certificate.serial}.pdf")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class CertificateRevokeApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(max_length=2000, allow_blank=True)

    @extend_schema(operation_id="certificates_revoke", request=InputSerializer,
                   responses={200: CertificateOutput, **problems(400, 404, 409)},
                   summary="Revoke the filing's valid certificate (approver)")
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        actor = _actor(request)
        filing = selectors.filing_get(actor=actor, reference=reference)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = certificate_services.certificate_revoke(actor=actor, filing=filing,
                                                              reason=data.validated_data["reason"])
        return Response(CertificateOutput(certificate).data)


class PublicCertificateOutput(serializers.ModelSerializer[Certificate]):
    """What the certificate itself prints: no evidence, no people."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    manufacturer = serializers.CharField(source="filing.organisation.name", read_only=True)
    make = serializers.CharField(source="vehicle.make", read_only=True)
    model = serializers.CharField(source="vehicle.model", read_only=True)
    model_year = serializers.IntegerField(source="vehicle.model_year", read_only=True)
    vehicle_class = serializers.CharField(source="vehicle.vehicle_class", read_only=True)
    coverage_start = serializers.DateField(source="vehicle.coverage_start", read_only=True)
    coverage_end = serializers.DateField(source="vehicle.coverage_end", read_only=True)
    superseded_by = serializers.UUIDField(source="superseded_by.public_id", allow_null=True,
                                          read_only=True)
    valid = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ("public_id", "serial", "status", "status_label", "valid", "issued_at",
                  "revoked_at", "revoked_reason", "superseded_by", "manufacturer", "make",
                  "model", "model_year", "vehicle_class", "coverage_start", "coverage_end",
                  "pdf_sha256")
        read_only_fields = fields

    def get_valid(self, certificate: Certificate) -> bool:
        return certificate.status == CertificateStatus.ISSUED


class PublicCertificateApi(APIView):
    """Public by design, like the verification page the QR code opens."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (AnonRateThrottle,)

    @extend_schema(operation_id="certificates_lookup", auth=[],
                   responses={200: PublicCertificateOutput, **problems(404)},
                   summary="Look up a published certificate by its public id (no authentication)")
    def get(self, request: Request, public_id: uuid.UUID) -> Response:
        certificate = certificate_selectors.certificate_public(public_id=public_id)
        return Response(PublicCertificateOutput(certificate).data)
