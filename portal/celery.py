"""The Celery app: configured from Django settings (CELERY_*), tasks discovered in the apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Workers and beat log like the web; request ids travel with tasks (portal.celery_setup).
from portal import celery_setup  # noqa: E402

celery_setup.connect()
