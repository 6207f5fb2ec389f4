"""Dossier pages. Every route with an id is in tests/web/routes.py's registry."""

from django.urls import path

from filings.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("filings/<uuid:reference>/dossier/", views.filing_dossiers, name="filing"),
    path("filings/<uuid:reference>/dossier/<uuid:public_id>.zip", views.dossier_download,
         name="download"),
    # Public on purpose: the examiner holds a random token, stored hashed (tests/dossier).
    path("examiner/<str:token>/", views.examiner, name="examiner"),
    path("examiner/<str:token>/dossier.zip", views.examiner_download, name="examiner_download"),
    path("dossiers/verify/", views.verify, name="verify"),
]
