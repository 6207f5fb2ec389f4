from django.apps import AppConfig


class RulebooksConfig(AppConfig):
    name = "filings.rulebooks"
    label = "rulebooks"
    verbose_name = "Rulebooks"

    def ready(self) -> None:
        from filings.rulebooks import receivers  # noqa: F401  (connects to the lifecycle's signals)
