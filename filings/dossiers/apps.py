from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "filings.dossiers"
    label = "dossiers"
    verbose_name = "Exam dossiers"
