"""`manage.py certificates_verify`: every published certificate's stored PDF against its record.

Published means issued, superseded or revoked: each one was stored once, and its SHA-256 was
recorded when it was issued. For each, the PDF is read from the "certificates" storage (a folder
or the bucket), its SHA-256 compared with `pdf_sha256`, and its signature checked against
CERTIFICATE_SIGNING_CERT and CERTIFICATE_PREVIOUS_CERTS. Exit status 1 names every failing serial.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from filings.certificates.models import Certificate, CertificateStatus
from filings.certificates.signing import check_portal_signature
from filings.certificates.storage import certificate_name, certificate_read

PUBLISHED = (CertificateStatus.ISSUED, CertificateStatus.SUPERSEDED, CertificateStatus.REVOKED)


def certificate_problems(certificate: Certificate) -> list[str]:
    """What is wrong with the stored PDF of a published certificate; empty when nothing is."""
    name = certificate_name(certificate)
    if certificate.stored_name != name:
        return [f"its record names the PDF {certificate.stored_name!r}, not {name!r}"]
    try:
        content = certificate_read(certificate)
    except FileNotFoundError:
        return [f"its PDF {name} is missing from the certificates storage"]
    problems = []
    sha256 = hashlib.sha256(content).hexdigest()
    if sha256 != certificate.pdf_sha256:
        problems.append(f"the stored PDF {name} has SHA-256 {sha256}, the recorded one is "
                        f"{certificate.pdf_sha256}")
    signature = check_portal_signature(content)
    if not signature.valid:
        problems.append(f"its signature does not validate ({signature.problem})")
    return problems


class Command(BaseCommand):
    help = ("Check every issued, superseded and revoked certificate: the stored PDF's SHA-256 "
            "equals the recorded one and its signature validates. Names each failing serial; "
            "exit status 1.")

    def handle(self, *args: Any, **options: Any) -> None:
        published = Certificate.objects.filter(status__in=PUBLISHED).order_by("pk")
        counts: Counter[str] = Counter()
        failed = []
        for certificate in published.iterator():
            counts[certificate.status] += 1
            for problem in certificate_problems(certificate):
                self.stderr.write(f"Certificate {certificate.serial}: {problem}.")
                failed.append(certificate.serial)
        total = sum(counts.values())
        if failed:
            serials = ", ".join(dict.fromkeys(failed))
            raise CommandError(f"{len(dict.fromkeys(failed))} of {total} published certificate(s) "
                               f"failed verification: {serials}.")
        by_status = ", ".join(f"{counts[status]} {status}" for status in PUBLISHED)
        self.stdout.write(f"Every published certificate verifies: {total} checked ({by_status}).")
