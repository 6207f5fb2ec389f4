"""Certificate pages. Every route with an id is in tests/web/routes.py's registry."""

from django.urls import path

from filings.certificates import views

app_name = "certificates"

urlpatterns = [
    path("filings/<uuid:reference>/certificates/<uuid:public_id>.pdf",
         views.certificate_download, name="download"),
    # Public on purpose: the certificate's QR code leads here (see tests/certificates).
    path("verify/<uuid:public_id>/", views.verify, name="verify"),
    # Public: the root certificate an examiner trusts to check certificates offline.
    path("verify/root.pem", views.trust_root, name="trust_root"),
]
