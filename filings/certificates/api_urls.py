"""The certificates app's routes under `/api/v1/`, in the API's `api` namespace (see
`portal/urls.py`). Every route with an id is in tests/api/routes.py's registry."""

from django.urls import path

from filings.certificates import api

_FILING = "filings/<uuid:reference>/"

urlpatterns = [
    path(f"{_FILING}certificates/", api.CertificateListApi.as_view(), name="certificates"),
    path(f"{_FILING}certificates/<uuid:public_id>/pdf/", api.CertificatePdfApi.as_view(),
         name="certificate_pdf"),
    path(f"{_FILING}certificate/revoke/", api.CertificateRevokeApi.as_view(),
         name="certificate_revoke"),
    path("certificates/<uuid:public_id>/", api.PublicCertificateApi.as_view(),
         name="certificate_public"),
]
