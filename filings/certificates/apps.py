from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "filings.certificates"
    label = "certificates"
    verbose_name = "Certificates"

    def ready(self) -> None:
        from filings.certificates import receivers  # noqa: F401  (connects to the lifecycle's signals)
