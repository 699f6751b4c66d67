"""Probes for load balancers and orchestrators: no login, no session, JSON only."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from surveillance.services.health import readiness


@require_safe
@never_cache
@login_not_required
def healthz(request):
    """Liveness: this process answers. Nothing external is touched."""
    return JsonResponse({"status": "ok", "time": timezone.now().isoformat()})


@require_safe
@never_cache
@login_not_required
def readyz(request):
    """Readiness: the database answers, Redis answers and every migration is applied."""
    ready, checks = readiness()
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
