"""Serving stored clips to the browser's <video>: single byte ranges (RFC 9110 §14) so it can
seek. Hand-written because the Range packages for Django on PyPI (django-ranged-response,
django-ranged-fileresponse) have been unmaintained since 2017; one range is all players ask for,
and a request for several is answered with the whole file, which the RFC allows."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


class ClipMissing(Exception):
    pass


def _chunks(handle, length: int) -> Iterator[bytes]:
    try:
        while length > 0:
            block = handle.read(min(CHUNK, length))
            if not block:
                return
            length -= len(block)
            yield block
    finally:
        handle.close()


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) byte, None when the header asks for the whole file (absent or several
    ranges), False when it cannot be satisfied (answer 416)."""
    header = (header or "").strip()
    if not header or "," in header:
        return None
    match = _RANGE.match(header)
    if not match or (not match[1] and not match[2]):
        return False
    if not match[1]:  # the last N bytes
        suffix = int(match[2])
        return (max(size - suffix, 0), size - 1) if suffix and size else False
    first = int(match[1])
    last = min(int(match[2]), size - 1) if match[2] else size - 1
    if first >= size or last < first:
        return False
    return first, last


def ranged_response(request: HttpRequest, name: str, content_type: str = "video/mp4") -> HttpResponse:
    try:
        size = default_storage.size(name)
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise ClipMissing(name) from exc
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted is False:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        first, last = wanted
        handle.seek(first)
        response = StreamingHttpResponse(_chunks(handle, last - first + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    return response
