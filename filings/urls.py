"""The manufacturer's pages. Every route with an id is in tests/web/routes.py's registry."""

from django.urls import path

from filings import views

app_name = "filings"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("filings/new/", views.filing_create, name="create"),
    path("evidence-template.xlsx", views.evidence_template, name="evidence_template"),
    path("filings/<uuid:reference>/", views.filing_detail, name="detail"),
    path("filings/<uuid:reference>/status.json", views.filing_status, name="status"),
    path("filings/<uuid:reference>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("filings/<uuid:reference>/files/<int:file_id>/", views.evidence_download,
         name="evidence_download"),
    path("filings/<uuid:reference>/files/<int:file_id>/remove/", views.evidence_remove,
         name="evidence_remove"),
    path("filings/<uuid:reference>/submit/", views.filing_submit, name="submit"),
    path("filings/<uuid:reference>/take-vehicle/", views.filing_take_vehicle,
         name="take_vehicle"),
    path("filings/<uuid:reference>/withdraw/", views.filing_withdraw, name="withdraw"),
    path("filings/<uuid:reference>/reopen/", views.filing_reopen, name="reopen"),
]
