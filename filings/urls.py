"""The manufacturer's pages. Every route with an id is in tests/web/routes.py's registry."""

from django.urls import path

from filings import certificate_views, rulebook_views, views

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
    path("filings/<uuid:reference>/withdraw/", views.filing_withdraw, name="withdraw"),
    path("filings/<uuid:reference>/reopen/", views.filing_reopen, name="reopen"),
    path("filings/<uuid:reference>/certificates/<uuid:public_id>.pdf",
         certificate_views.certificate_download, name="certificate_download"),
    # Public on purpose: the rules are law; certificates name the version they used.
    path("rules/", rulebook_views.rules_history, name="rules"),
    path("rules/<str:version>/", rulebook_views.rules_version, name="rules_version"),
    # Public on purpose: the certificate's QR code leads here (see tests/certificates).
    path("verify/<uuid:public_id>/", certificate_views.verify, name="verify"),
]
