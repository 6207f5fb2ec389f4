"""`/ready/`: whether this instance can serve — the database answers and the broker accepts
connections. For load balancers and orchestrators: public, cheap, and it names no host or error.

`/health/`: whether the process is alive — it answers without touching the database or the
broker, so an orchestrator restarts a hung process, not one whose database is down."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

BROKER_TIMEOUT_SECONDS = 2


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except DatabaseError:
        return False


def _broker() -> bool:
    from portal.celery import app

    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                     timeout=BROKER_TIMEOUT_SECONDS)
        return True
    except Exception:  # any failure to connect (kombu raises its transport's own errors)
        return False


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker()}
    ok = all(checks.values())
    return JsonResponse({"ready": ok, "checks": {name: "ok" if up else "unreachable"
                                                 for name, up in checks.items()}},
                        status=200 if ok else 503)


@never_cache
@require_safe
def alive(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"alive": True})
