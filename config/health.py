"""Health endpoints for load balancers and orchestrators: plain Django views, outside the API
and its bearer auth, so a probe needs no token and no OpenAPI entry."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process answers. Touches no database: a database outage must not restart it."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """The process can serve: its database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Readiness check: the database does not answer.")
        return JsonResponse({"status": "unavailable", "detail": "No database."}, status=503)
    return JsonResponse({"status": "ok"})
