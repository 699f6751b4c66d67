"""Pagination: page numbers for registries, keyset cursors for the time series.

Events, alerts and audit logs are paged by a (time, id) keyset, newest first: no `count(*)`
over partitioned tables, each page is an index range scan, and rows inserted while a client
pages through do not shift or repeat the pages it has not read yet.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid

from django.db.models import Q
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysetPagination(pagination.BasePagination):
    """Cursor over (`view.cursor_time_field` desc, `view.cursor_id_field` desc)."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 50
    max_page_size = 500

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({self.page_size_query_param: ["a whole number is required"]}) from None
        if size < 1:
            raise ValidationError({self.page_size_query_param: ["must be at least 1"]})
        return min(size, self.max_page_size)

    def _decode(self, raw: str) -> tuple[bool, dt.datetime, uuid.UUID]:
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            at = dt.datetime.fromisoformat(data["t"])
            if at.tzinfo is None:
                raise ValueError("naive time")
            return bool(data["r"]), at, uuid.UUID(str(data["i"]))
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError, OverflowError):
            raise ValidationError({self.cursor_query_param: ["invalid cursor"]}) from None

    @staticmethod
    def _encode(reverse: bool, time_value: dt.datetime, id_value) -> str:
        data = json.dumps({"r": int(reverse), "t": time_value.isoformat(), "i": str(id_value)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.time_field = getattr(view, "cursor_time_field", "timestamp")
        self.id_field = getattr(view, "cursor_id_field", "id")
        size = self._page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        tf, idf = self.time_field, self.id_field
        newest_first = queryset.order_by(f"-{tf}", f"-{idf}")
        if not raw:
            rows = list(newest_first[: size + 1])
            self.has_next, self.has_previous = len(rows) > size, False
            rows = rows[:size]
        else:
            reverse, at, key = self._decode(raw)
            if not reverse:
                older = Q(**{f"{tf}__lt": at}) | Q(**{tf: at, f"{idf}__lt": key})
                rows = list(newest_first.filter(older)[: size + 1])
                self.has_next, self.has_previous = len(rows) > size, True
                rows = rows[:size]
            else:
                newer = Q(**{f"{tf}__gt": at}) | Q(**{tf: at, f"{idf}__gt": key})
                rows = list(queryset.order_by(tf, idf).filter(newer)[: size + 1])
                self.has_previous, self.has_next = len(rows) > size, True
                rows = rows[:size][::-1]
        self.page = rows
        return rows

    def _link(self, reverse: bool, row) -> str:
        url = self.request.build_absolute_uri()
        cursor = self._encode(reverse, getattr(row, self.time_field), getattr(row, self.id_field))
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self) -> str | None:
        return self._link(False, self.page[-1]) if self.has_next and self.page else None

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(True, self.page[0])

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque position from a previous page's next/previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (1-{self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
