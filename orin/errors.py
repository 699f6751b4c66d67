"""The last word on error answers, outermost in MIDDLEWARE.

Two things Django and DRF leave open:
- A service outage raised outside DRF's exception handler (in a middleware that loads the
  session user, in a plain Django view such as frame ingest) becomes Django's 500 page, 197 KB of
  HTML in DEBUG. Here a database or Redis connection failure becomes **503 with Retry-After**:
  JSON under /api/, a short text page elsewhere. The exception is recognised through
  `got_request_exception`, which Django sends before it renders its 500.
- An API error answer without a JSON body (DRF deletes the Content-Type of an empty body, e.g.
  a parser error raised while rendering; Django's own 400/404/405/413 pages are HTML) gets the
  API's error body `{"detail", "code"}` with `application/json`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

import redis
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse

from orin import degraded

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/"
JSON_TYPES = ("application/json", "application/problem+json", "application/vnd.oai.openapi+json")
_OUTAGE_ATTR = "_orin_service_unavailable"


def outage_of(exc: BaseException | None) -> str | None:
    """Which service an exception says is away ("database", "redis"), or None."""
    if isinstance(exc, OperationalError | InterfaceError):
        return "database"
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        return "redis"
    return None


def unavailable_body(service: str) -> dict:
    return {
        "detail": f"the {service} is unavailable for a moment; retry later",
        "code": "service_unavailable",
        "retry_after": RETRY_AFTER_SECONDS,
    }


@receiver(got_request_exception, dispatch_uid="orin.errors.note_outage")
def _note_outage(sender, request=None, **kwargs) -> None:
    import sys

    service = outage_of(sys.exc_info()[1])
    if service and request is not None:
        setattr(request, _OUTAGE_ATTR, service)


class ServiceErrorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        service = getattr(request, _OUTAGE_ATTR, None)
        is_api = request.path_info.startswith(API_PREFIX)
        if service is not None and response.status_code >= 500:
            degraded.note(f"{service}_503", f"{request.method} {request.path_info}")
            return self._unavailable(service, is_api)
        if is_api and response.status_code >= 400 and not self._has_json_body(response):
            return self._as_json(response)
        return response

    @staticmethod
    def _unavailable(service: str, is_api: bool) -> HttpResponse:
        body = unavailable_body(service)
        if is_api:
            response = JsonResponse(body, status=503)
        else:
            response = HttpResponse(body["detail"] + "\n", status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def _has_json_body(response) -> bool:
        if getattr(response, "streaming", False):
            return True  # not ours to rewrite
        content_type = response.get("Content-Type", "")
        return bool(response.content) and content_type.split(";")[0].strip() in JSON_TYPES

    @staticmethod
    def _as_json(response) -> JsonResponse:
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "error"
        detail = phrase.lower()
        if status == 400:
            detail = "malformed request: the body could not be read (check its Content-Type and encoding)"
        code = phrase.lower().replace(" ", "_").replace("-", "_")
        replacement = JsonResponse({"detail": detail, "code": code}, status=status)
        for header in ("Retry-After", "Allow", "WWW-Authenticate", "Vary"):
            if header in response:
                replacement[header] = response[header]
        return replacement
