"""The dossiers app's routes under `/api/v1/`, in the API's `api` namespace (see
`portal/urls.py`). Every route with an id is in tests/api/routes.py's registry."""

from django.urls import path

from filings.dossiers import api

_FILING = "filings/<uuid:reference>/"

urlpatterns = [
    path(f"{_FILING}dossiers/", api.DossierListApi.as_view(), name="dossiers"),
    path(f"{_FILING}dossiers/<uuid:public_id>/", api.DossierApi.as_view(), name="dossier"),
    path(f"{_FILING}dossiers/<uuid:public_id>/zip/", api.DossierZipApi.as_view(),
         name="dossier_zip"),
]
