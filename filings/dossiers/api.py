"""Dossiers through the API: list and request a filing's dossiers, follow one's build, download
its ZIP. Entry points only: reads through `filings.dossiers.selectors`, writes through its
services."""

from __future__ import annotations

import logging
import uuid

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from filings import selectors
from filings.api.errors import FileStoreUnavailable
from filings.api.schema import problems
from filings.api.views import _actor
from filings.dossiers import selectors as dossier_selectors
from filings.dossiers import services
from filings.dossiers.models import Dossier
from filings.dossiers.storage import dossier_open
from filings.storage import StorageUnavailable

logger = logging.getLogger(__name__)


class DossierOutput(serializers.ModelSerializer[Dossier]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Dossier
        fields = ("public_id", "audience", "status", "status_label", "progress", "created_at",
                  "finished_at", "size", "sha256", "members", "error")
        read_only_fields = fields


class DossierListApi(APIView):
    @extend_schema(operation_id="dossiers_list", responses={200: DossierOutput(many=True),
                                                            **problems(404)},
                   summary="The filing's dossiers for your side, newest first")
    def get(self, request: Request, reference: uuid.UUID) -> Response:
        actor = _actor(request)
        filing = selectors.filing_get(actor=actor, reference=reference)
        dossiers = dossier_selectors.filing_dossiers(actor=actor, filing=filing)
        return Response(DossierOutput(dossiers, many=True).data)

    @extend_schema(operation_id="dossiers_request", request=None,
                   responses={202: DossierOutput, **problems(403, 404)},
                   summary="Request a new dossier (built by the worker; poll it)")
    def post(self, request: Request, reference: uuid.UUID) -> Response:
        actor = _actor(request)
        filing = selectors.filing_get(actor=actor, reference=reference)
        dossier = services.dossier_request(actor=actor, filing=filing)
        return Response(DossierOutput(dossier).data, status=status.HTTP_202_ACCEPTED)


class DossierApi(APIView):
    @extend_schema(operation_id="dossiers_get", responses={200: DossierOutput, **problems(404)},
                   summary="One dossier: its status and build progress")
    def get(self, request: Request, reference: uuid.UUID, public_id: uuid.UUID) -> Response:
        dossier = dossier_selectors.dossier_get(actor=_actor(request), reference=reference,
                                                public_id=public_id)
        return Response(DossierOutput(dossier).data)


class DossierZipApi(APIView):
    @extend_schema(operation_id="dossiers_zip",
                   responses={(200, "application/zip"): OpenApiResponse(
                       OpenApiTypes.BINARY, description="The signed dossier."),
                              **problems(404, 503)},
                   summary="Download a ready dossier (ZIP)")
    def get(self, request: Request, reference: uuid.UUID, public_id: uuid.UUID) -> FileResponse:
        actor = _actor(request)
        dossier = dossier_selectors.dossier_get(actor=actor, reference=reference,
                                                public_id=public_id)
        if not dossier.is_ready:
            raise Http404("This dossier is not ready.")
        try:
            handle = dossier_open(dossier)
        except StorageUnavailable as exc:
            logger.error("file store unreachable: %r", exc.__cause__ or exc)
            raise FileStoreUnavailable() from exc
        except FileNotFoundError:
            raise Http404("The stored dossier is missing; request a new one.") from None
        services.dossier_downloaded(dossier=dossier, actor=actor)
        response = FileResponse(handle, as_attachment=True, content_type="application/zip",
                                filename=dossier.file_name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
