"""Request timing for the `api` health row (see surveillance/services/request_metrics.py)."""

import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from surveillance.services.request_metrics import record_request

# Probes would drown the figures operators care about.
UNMEASURED_PATHS = ("/healthz", "/readyz")


class RequestMetricsMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._record(request, started, response.status_code)
        return response

    async def _acall(self, request):
        started = time.perf_counter()
        response = await self.get_response(request)
        self._record(request, started, response.status_code)
        return response

    @staticmethod
    def _record(request, started: float, status_code: int) -> None:
        if not request.path.startswith(UNMEASURED_PATHS):
            record_request((time.perf_counter() - started) * 1000, status_code)
