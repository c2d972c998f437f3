"""Process-level endpoints: liveness and readiness probes for load balancers."""

from __future__ import annotations

import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shop.api import error_body

API_PREFIX = "/api/"


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics of this process."""
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


async def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def readyz(request: HttpRequest) -> JsonResponse:
    """The database, the cache and the channel layer all answer."""
    checks: dict[str, str] = {}
    probe = f"readyz:{uuid.uuid4().hex}"
    try:
        await sync_to_async(_database_answers)()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        await cache.aset(probe, "1", timeout=5)
        checks["cache"] = "ok" if await cache.aget(probe) == "1" else "error: value not stored"
    except Exception as exc:
        checks["cache"] = f"error: {type(exc).__name__}"
    try:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "readyz"})
        await asyncio.wait_for(layer.receive(channel), 2)
        checks["channel_layer"] = "ok"
    except Exception as exc:
        checks["channel_layer"] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def api_not_found(request: HttpRequest) -> JsonResponse:
    """Any /api/ path that no callback answers."""
    return JsonResponse(error_body("not_found", f"There is no API endpoint at {request.path}."), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON for the API, Django's page for everything else."""
    if request.path.startswith(API_PREFIX):
        message = "Something went wrong on our side. Try again in a moment."
        return JsonResponse(error_body("internal_error", message), status=500)
    return defaults.server_error(request)
