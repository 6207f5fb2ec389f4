"""Certificate pages: the public verification page and the scoped PDF download."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext, gettext_lazy, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from filings.certificates import selectors
from filings.certificates.content import certificate_context
from filings.certificates.labels import LABELS
from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.signing import check_portal_signature
from filings.certificates.storage import certificate_open
from filings.certificates.verdicts import certificate_verdict
from filings.views import stored_download
from portal.accounts.models import User


class VerifyUploadForm(forms.Form):
    pdf = forms.FileField(label=gettext_lazy("A copy of the certificate (PDF)"))


def _check_upload(certificate: Certificate, upload: object) -> dict[str, object]:
    size = getattr(upload, "size", 0)
    if size > settings.CERTIFICATE_VERIFY_MAX_BYTES:
        # Translated where the verdict shows it (verdicts.copy_problems).
        return {"problem": gettext_noop("The file is larger than any certificate the portal "
                                        "issues.")}
    content = upload.read()  # type: ignore[attr-defined]
    sha256 = hashlib.sha256(content).hexdigest()
    signature = check_portal_signature(content)
    return {"identical": sha256 == certificate.pdf_sha256, "sha256": sha256,
            "signature": signature}


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Public by design (reached from the QR code): status and printed details, no evidence."""
    certificate = selectors.certificate_public(public_id=public_id)
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    check = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            check = _check_upload(certificate, form.cleaned_data["pdf"])
        else:
            status = 400
    context = certificate_context(certificate)
    context.update({"form": form, "check": check, "statuses": CertificateStatus,
                    "verdict": certificate_verdict(certificate, check),
                    "signing_authority": _signing_authority(certificate)})
    if get_language() == "ja":  # the certificate's own words, as its Japanese labels say them
        context["not_an_irs_form"] = LABELS["not_an_irs_form"].ja
    return render(request, "certificates/verify.html", context, status=status)


@require_safe
def trust_root(request: HttpRequest) -> HttpResponse:
    """The configured trust roots (PEM), to check the portal's signatures offline
    (docs/verifying.md)."""
    pem = b"".join(Path(path).read_bytes() for path in settings.CERTIFICATE_TRUST_ROOTS)
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="cvc-portal-root.pem"'
    return response


def _signing_authority(certificate: Certificate) -> str:
    membership = certificate.approved_by.membership() if certificate.approved_by else None
    return membership.organisation.name if membership else gettext("the reviewing authority")


@require_GET
@login_required
def certificate_download(request: HttpRequest, reference: uuid.UUID,
                         public_id: uuid.UUID) -> FileResponse | HttpResponse:
    assert isinstance(request.user, User)
    certificate = selectors.certificate_get(actor=request.user, reference=reference,
                                            public_id=public_id)
    return stored_download(
        request, lambda: certificate_open(certificate), filename=f"{certificate.serial}.pdf",
        content_type="application/pdf",
        missing="The stored certificate is missing; contact the portal's support.")
