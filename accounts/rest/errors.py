"""One error body for every API failure: `{"detail", "code"}`, plus `fields` for input errors
(field name → messages; batch items by their index) and `retry_after` when throttled."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from orin.errors import RETRY_AFTER_SECONDS, outage_of, unavailable_body


class ServiceUnavailable(exceptions.APIException):
    """The database or Redis is away for a moment (a restart, a failover): retry later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "a service ORIN needs is unavailable for a moment; retry later"
    default_code = "service_unavailable"


class Conflict(exceptions.APIException):
    """The request is valid but the resource's state refuses it (e.g. resolving a pending alert)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "the request conflicts with the current state of the resource"
    default_code = "conflict"


def _as_api_exception(exc: Exception) -> Exception:
    service = outage_of(exc)
    if service is not None:
        return ServiceUnavailable(unavailable_body(service)["detail"])
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        return Conflict("other records still refer to this one; remove or reassign them first")
    if isinstance(exc, IntegrityError):
        return Conflict("this would duplicate or break a reference to an existing record")
    if isinstance(exc, DataError):  # a value PostgreSQL cannot store; validation should catch it first
        return exceptions.ValidationError({"non_field_errors": ["a value is malformed or out of range"]})
    if isinstance(exc, SuspiciousOperation):  # e.g. too many form fields or files in one request
        return exceptions.ParseError(str(exc) or "malformed request")
    return exc


def _field_errors(data) -> dict:
    if isinstance(data, dict):
        return data
    if isinstance(data, list) and any(isinstance(item, dict) for item in data):
        return {str(index): item for index, item in enumerate(data) if item}
    return {"non_field_errors": data if isinstance(data, list) else [data]}


def _first_code(codes) -> str:
    while isinstance(codes, dict | list) and codes:
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return codes if isinstance(codes, str) else "error"


def api_exception_handler(exc: Exception, context: dict):
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        body = {"detail": "invalid input", "code": "invalid", "fields": _field_errors(data)}
    else:
        detail = data.get("detail", data) if isinstance(data, dict) else data
        code = data.get("code") if isinstance(data, dict) and isinstance(data.get("code"), str) else None
        body = {"detail": str(detail), "code": code or _first_code(getattr(exc, "get_codes", lambda: "error")())}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after"] = max(1, int(round(exc.wait)))
    if isinstance(exc, ServiceUnavailable):
        body["retry_after"] = RETRY_AFTER_SECONDS
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.data = body
    return response
